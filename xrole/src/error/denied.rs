//! [`AccessDenied`]: STS's refusal with both sides that can cause it, why
//! ([`DenialCause`]), what would allow the call ([`Fix`]), and the explanation.

use std::fmt;

use xrole_core::policy::PolicyDocument;
use xrole_core::{
    ASSUME_ROLE_WITH_WEB_IDENTITY, AccountId, DenialKind, ExternalId, OrgDenial, OrgPolicyType,
    PrincipalArn, PrincipalKind, RoleArn, RoleSpec, SessionDuration, WebIdentityTrust,
};

use crate::assume::TokenClaims;

/// STS's `AccessDenied` for an AssumeRole, with both sides that can cause it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AccessDenied {
    /// The role.
    pub role: RoleArn,
    /// The caller, as STS named it (`User: ... is not authorized`).
    pub caller: Option<PrincipalArn>,
    /// The action STS refused (`sts:AssumeRole`, `sts:TagSession`, ...).
    pub action: String,
    /// STS's message.
    pub message: String,
    /// The ExternalId sent, if any.
    pub external_id: Option<ExternalId>,
    /// Whether an MFA code or MFA session was used.
    pub mfa: bool,
    /// The principals the role's declaration says its trust policy admits (empty
    /// when it says none).
    pub declared_trust: Vec<PrincipalArn>,
    /// The organization policy STS names as the cause, if it names one: then no
    /// trust or identity policy change can help.
    pub org: Option<OrgDenial>,
    /// The web identity providers and exact claims the role's declaration says its
    /// trust policy admits (for `sts:AssumeRoleWithWebIdentity`).
    pub declared_web_identities: Vec<WebIdentityTrust>,
    /// The claims of the web identity token that was refused (read, not verified).
    pub token: Option<TokenClaims>,
    /// The request id of STS's answer: with the embedded STS, its own account of
    /// the refusal is `EmbeddedSts::audit_of_request(id)` (the evaluator's
    /// explanation in its `detail`).
    pub request_id: Option<String>,
    /// What the embedded STS's evaluator found (its `x-xrole-denial-kind`
    /// header); real STS says nothing of the kind.
    pub reported: Option<DenialKind>,
    /// The organization policy and level the embedded STS names as refusing
    /// (its `x-xrole-denial-policy` header).
    pub reported_policy: Option<String>,
}

/// Why a role could not be assumed, for code to branch on rather than on text
/// ([`AccessDenied::cause`], [`Error::denial_cause`](crate::Error::denial_cause)).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DenialCause {
    /// The trust policy demands an ExternalId and none was sent.
    ExternalIdMissing,
    /// An ExternalId was sent (the declared one) and the trust policy demands
    /// another: send the id agreed with the role's owner.
    ExternalIdMismatch {
        /// The id sent.
        sent: ExternalId,
    },
    /// The caller's account is not trusted: no parameter can help; by design
    /// until the role's owner trusts it.
    AccountNotTrusted {
        /// The caller's account.
        account: AccountId,
    },
    /// The caller's account is trusted for other principals, not for this one.
    PrincipalNotTrusted {
        /// The caller.
        caller: PrincipalArn,
    },
    /// The trust policy demands MFA and none was used.
    MfaMissing,
    /// The MFA code was refused (wrong, reused, or another user's device).
    MfaCodeRefused,
    /// The caller's own identity policies do not allow the action on the role.
    CallerPolicyMissing,
    /// An organization policy refused: by design, beyond both accounts' policies.
    OrganizationPolicy {
        /// The policy type, and whether it denied or did not allow.
        denial: OrgDenial,
        /// The policy and its level (`SCP "DenyLeavingOrg" attached to
        /// ou-ab12-11111111 (Workloads)`), when the embedded STS says; real STS
        /// names neither.
        policy: Option<String>,
    },
    /// A web identity token's claims fail the trust policy.
    WebIdentityClaims {
        /// The claim the declaration pins and the token does not match (`sub` or
        /// `aud`), when the declaration says.
        claim: Option<&'static str>,
        /// The values the declaration admits for it.
        declared: Vec<String>,
        /// The token's value of it.
        token: Option<String>,
    },
    /// A chained session was asked to last more than an hour.
    ChainedDuration {
        /// The requested duration.
        requested: SessionDuration,
    },
    /// The role does not exist (STS answers a missing role as any refusal).
    RoleMissing,
    /// What the caller knows satisfies the declaration: the deployed policies
    /// differ from it, or the role does not exist.
    DeployedPoliciesDiffer,
    /// Nothing the caller knows tells.
    Unknown,
}

impl fmt::Display for DenialCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DenialCause::ExternalIdMissing => {
                f.write_str("the trust policy demands an ExternalId and none was sent")
            }
            DenialCause::ExternalIdMismatch { sent } => write!(
                f,
                "the trust policy demands another ExternalId than the one sent ({sent})"
            ),
            DenialCause::AccountNotTrusted { account } => {
                write!(f, "account {account} is not trusted")
            }
            DenialCause::PrincipalNotTrusted { caller } => {
                write!(f, "the trust policy does not admit {caller}")
            }
            DenialCause::MfaMissing => f.write_str("the trust policy demands MFA"),
            DenialCause::MfaCodeRefused => f.write_str("the MFA code was refused"),
            DenialCause::CallerPolicyMissing => f.write_str(
                "the caller's identity policies do not allow the action on the role",
            ),
            DenialCause::OrganizationPolicy { denial, policy } => {
                write!(f, "the organization refuses ({denial})")?;
                if let Some(policy) = policy {
                    write!(f, ": {policy}")?;
                }
                Ok(())
            }
            DenialCause::WebIdentityClaims {
                claim,
                declared,
                token,
            } => {
                write!(f, "the token's claims fail the trust policy")?;
                if let Some(claim) = claim {
                    write!(
                        f,
                        ": its {claim} is {}, the declaration admits {}",
                        token.as_deref().unwrap_or("(none)"),
                        declared.join(" or ")
                    )?;
                }
                Ok(())
            }
            DenialCause::ChainedDuration { requested } => write!(
                f,
                "{}; {requested} was requested",
                SessionDuration::chained_rule()
            ),
            DenialCause::RoleMissing => f.write_str("the role does not exist"),
            DenialCause::DeployedPoliciesDiffer => f.write_str(
                "the call satisfies the declaration: the deployed policies differ from it, or the role does not exist",
            ),
            DenialCause::Unknown => f.write_str("unknown"),
        }
    }
}

/// What [`AccessDenied::fixing_policies`] offers.
#[derive(Clone, Debug)]
#[non_exhaustive]
#[expect(
    clippy::large_enum_variant,
    reason = "made once per refusal and read at once, never stored in bulk"
)]
pub enum Fix {
    /// Add `trust_statement` to the role's trust policy (it admits exactly
    /// `admits`, beside every principal the role already trusts), and attach
    /// `caller_policy` to the caller in its account.
    Add {
        /// The principal the statement admits.
        admits: PrincipalArn,
        /// A one-statement trust policy to merge into the role's, never to replace it.
        trust_statement: PolicyDocument,
        /// The caller's identity policy allowing the call on this role.
        caller_policy: PolicyDocument,
    },
    /// The refusal is by design (an untrusted account, an organization policy, a
    /// token of another identity): nothing to paste.
    ByDesign {
        /// Why, and who could change it.
        reason: String,
    },
}

impl AccessDenied {
    /// The caller's account, when the role's declaration names principals and none of
    /// them is the caller, its role or its account: then the account is not trusted,
    /// whatever ExternalId or MFA the caller sends.
    pub fn untrusted_account(&self) -> Option<AccountId> {
        let caller = self.caller.as_ref()?;
        let account = caller.account()?;
        if self.declared_trust.is_empty() {
            return None;
        }
        let same_account = self
            .declared_trust
            .iter()
            .any(|p| p.account() == Some(account));
        (!same_account).then_some(account)
    }

    /// Whether the declaration names the caller: itself, its role, or its account.
    fn caller_declared(&self, caller: &PrincipalArn) -> bool {
        self.declared_trust.iter().any(|p| {
            p == caller
                || (matches!(p.kind(), PrincipalKind::AccountRoot | PrincipalKind::Account)
                    && p.account() == caller.account())
                // A session is trusted through its role (its ARN has no path).
                || (caller.kind() == PrincipalKind::AssumedRole
                    && p.kind() == PrincipalKind::Role
                    && p.account() == caller.account()
                    && p.name() == caller.name())
        })
    }

    /// Why STS refused: what the embedded STS's evaluator reported when it
    /// answered, else what the caller can tell from STS's message, the role's
    /// declaration and what it sent.
    pub fn cause(&self) -> DenialCause {
        if let Some(org) = self.org {
            return DenialCause::OrganizationPolicy {
                denial: org,
                policy: self.reported_policy.clone(),
            };
        }
        if self.message.contains("MultiFactorAuthentication failed") {
            return DenialCause::MfaCodeRefused;
        }
        if self.action == ASSUME_ROLE_WITH_WEB_IDENTITY {
            return self.web_identity_cause();
        }
        if let Some(kind) = self.reported {
            return match kind {
                DenialKind::ExternalIdMissing => DenialCause::ExternalIdMissing,
                DenialKind::ExternalIdMismatch => match &self.external_id {
                    Some(sent) => DenialCause::ExternalIdMismatch { sent: sent.clone() },
                    None => DenialCause::ExternalIdMissing,
                },
                DenialKind::MfaMissing => DenialCause::MfaMissing,
                DenialKind::PrincipalNotTrusted => self.untrusted_cause(),
                DenialKind::CallerPolicyMissing => DenialCause::CallerPolicyMissing,
                DenialKind::RoleMissing => DenialCause::RoleMissing,
                _ => DenialCause::Unknown,
            };
        }
        if let Some(account) = self.untrusted_account() {
            return DenialCause::AccountNotTrusted { account };
        }
        match &self.caller {
            Some(caller) if !self.declared_trust.is_empty() && !self.caller_declared(caller) => {
                DenialCause::PrincipalNotTrusted {
                    caller: caller.clone(),
                }
            }
            Some(_) if !self.declared_trust.is_empty() => DenialCause::DeployedPoliciesDiffer,
            _ => DenialCause::Unknown,
        }
    }

    /// A trust without a statement for the caller: its account, or the caller.
    fn untrusted_cause(&self) -> DenialCause {
        match (&self.caller, self.caller.as_ref().and_then(|c| c.account())) {
            (Some(caller), Some(account)) => {
                let account_named = self
                    .declared_trust
                    .iter()
                    .any(|p| p.account() == Some(account));
                if self.declared_trust.is_empty() || account_named {
                    DenialCause::PrincipalNotTrusted {
                        caller: caller.clone(),
                    }
                } else {
                    DenialCause::AccountNotTrusted { account }
                }
            }
            _ => DenialCause::Unknown,
        }
    }

    /// A refused web identity: the first claim the declaration pins that the
    /// token does not match.
    fn web_identity_cause(&self) -> DenialCause {
        if self.reported == Some(DenialKind::RoleMissing) {
            return DenialCause::RoleMissing;
        }
        let token = self.token.as_ref();
        let subject = token.and_then(|t| t.subject.clone());
        let audiences = token.map(|t| t.audiences.clone()).unwrap_or_default();
        let owned = |v: &[String]| v.to_vec();
        for w in &self.declared_web_identities {
            if !w.subjects().iter().any(|s| Some(s) == subject.as_ref()) {
                return DenialCause::WebIdentityClaims {
                    claim: Some("sub"),
                    declared: owned(w.subjects()),
                    token: subject,
                };
            }
            if !w.audiences().iter().any(|a| audiences.contains(a)) {
                return DenialCause::WebIdentityClaims {
                    claim: Some("aud"),
                    declared: owned(w.audiences()),
                    token: audiences.first().cloned(),
                };
            }
        }
        DenialCause::WebIdentityClaims {
            claim: None,
            declared: Vec::new(),
            token: subject,
        }
    }

    /// What would allow this call: the statement to *add* to the role's trust
    /// policy (admitting exactly this caller, with the ExternalId and MFA it
    /// sent, beside every principal the role already trusts, which it never
    /// drops) and the caller's identity policy; or, for a refusal that is by
    /// design, why nothing should be pasted. `None` when STS named no caller.
    pub fn fixing_policies(&self) -> Option<Fix> {
        let by_design = |reason: String| Some(Fix::ByDesign { reason });
        match self.cause() {
            DenialCause::OrganizationPolicy { denial: org, .. } => {
                return by_design(format!(
                    "the organization refuses ({org}); no trust or identity policy can change it: the organization's administrators decide"
                ));
            }
            DenialCause::AccountNotTrusted { account } => {
                return by_design(format!(
                    "account {account} is not trusted by {}; only the role's owner can decide to trust it, and no policy is offered to paste",
                    self.role
                ));
            }
            DenialCause::WebIdentityClaims { .. } => {
                return by_design(
                    "the token is of an identity the trust policy does not admit (another repository, branch, environment or audience): refused on purpose".to_owned(),
                );
            }
            DenialCause::MfaCodeRefused => {
                return by_design("the MFA code was refused: send the current code of the caller's own device; no policy change is needed".to_owned());
            }
            DenialCause::ExternalIdMismatch { .. } => {
                return by_design("the ExternalId differs from the one the trust policy demands: send the id agreed with the role's owner; do not loosen the condition".to_owned());
            }
            _ => {}
        }
        let caller = self.caller.clone()?;
        // A session is trusted through its role.
        let admits = match (
            caller.kind(),
            caller.partition(),
            caller.account(),
            caller.name(),
        ) {
            (PrincipalKind::AssumedRole, Some(p), Some(a), Some(name)) => RoleArn::new(p, a, name)
                .ok()
                .map(PrincipalArn::from)
                .unwrap_or(caller),
            _ => caller,
        };
        let mut spec = RoleSpec::builder(self.role.clone()).trusted(admits.clone());
        if let Some(id) = &self.external_id {
            spec = spec.external_id(id.clone());
        }
        if self.mfa
            && let Ok(serial) = "GAHT12345678".parse()
        {
            spec = spec.mfa_serial(serial);
        }
        let spec = spec.build().ok()?;
        let mut statements = spec.trust_policy().ok()?.statements().to_vec();
        if let Some(st) = statements.first_mut() {
            st.sid = Some(admitting_sid(&admits));
        }
        let trust_statement = PolicyDocument::new(statements);
        Some(Fix::Add {
            admits,
            trust_statement,
            caller_policy: spec.caller_policy().ok()?,
        })
    }
}

/// The `Sid` of a statement admitting `principal`: letters and digits of its
/// name, so the statement says whom it was added for.
fn admitting_sid(principal: &PrincipalArn) -> String {
    let name: String = principal
        .name()
        .unwrap_or("Account")
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let account = principal
        .account()
        .map(|a| a.to_string())
        .unwrap_or_default();
    format!("Admit{name}{account}")
}

impl AccessDenied {
    /// The caller as the messages name it.
    fn who(&self) -> String {
        self.caller
            .as_ref()
            .map_or_else(|| "the caller".to_owned(), ToString::to_string)
    }

    /// The long account of the refusal, a few indented lines: which side can
    /// refuse and why, what the embedded STS found, and what to do. `Display` is
    /// the one line above it.
    ///
    /// ```no_run
    /// # fn demo(e: &xrole::Error) {
    /// if let xrole::Error::AccessDenied(denied) = e {
    ///     eprintln!("{denied}\n{}", denied.explanation());
    /// }
    /// # }
    /// ```
    pub fn explanation(&self) -> Explanation<'_> {
        Explanation(self)
    }
}

/// One line: `AccessDenied: CALLER may not ACTION ROLE: STS's message`.
impl fmt::Display for AccessDenied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "AccessDenied: {} may not {} {}: {}",
            self.who(),
            self.action,
            self.role,
            self.message
        )
    }
}

/// [`AccessDenied::explanation`]: lines each indented by two spaces.
#[derive(Clone, Copy)]
pub struct Explanation<'a>(&'a AccessDenied);

impl fmt::Debug for Explanation<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for Explanation<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let denied = self.0;
        let who = denied.who();
        // An organization policy is beyond both accounts' own policies: name it alone.
        if let Some(org) = denied.org {
            let account = match org.policy_type() {
                OrgPolicyType::ServiceControl => denied
                    .caller
                    .as_ref()
                    .and_then(|c| c.account())
                    .map_or_else(
                        || "the caller's account".to_owned(),
                        |a| format!("account {a}"),
                    ),
                _ => format!("account {}", denied.role.account()),
            };
            let whose = match org.policy_type() {
                OrgPolicyType::ServiceControl => "the caller's",
                _ => "the role's",
            };
            return write!(
                f,
                "  The organization refuses ({org}): the {} on the path from the organization's root to {account} ({whose} account) decide, and no change to the trust policy or to {who}'s identity policies can help. The organization's administrators must change those policies, or move {account} to an OU where they allow {}.",
                org.policy_type().plural(),
                denied.action
            );
        }
        // A web identity is judged by the trust policy alone, on the token's claims.
        if denied.action == ASSUME_ROLE_WITH_WEB_IDENTITY {
            write!(
                f,
                "  Only the trust policy of {} (account {}) decides: one of its statements must allow {} to the OIDC provider of the token's issuer in account {} (Principal Federated), and its conditions on the issuer's aud and sub keys must match the token's claims exactly (a GitHub Actions job's sub is repo:OWNER/REPO:ref:refs/heads/BRANCH, repo:OWNER/REPO:environment:NAME or repo:OWNER/REPO:pull_request). A token of another repository, branch, environment or audience is refused on purpose.",
                denied.role,
                denied.role.account(),
                denied.action,
                denied.role.account()
            )?;
            if let Some(t) = &denied.token {
                write!(
                    f,
                    "\n  The token's sub is {}, its aud {} (issuer {}).",
                    t.subject.as_deref().unwrap_or("(none)"),
                    if t.audiences.is_empty() {
                        "(none)".to_owned()
                    } else {
                        t.audiences.join(", ")
                    },
                    t.issuer.as_deref().unwrap_or("(none)")
                )?;
            }
            for w in &denied.declared_web_identities {
                write!(
                    f,
                    "\n  The declaration admits tokens of {} with sub {} and aud {}.",
                    w.provider(),
                    w.subjects().join(" or "),
                    w.audiences().join(" or ")
                )?;
            }
            return Ok(());
        }
        // A refused code is not a policy problem: say so rather than list policies.
        if denied.message.contains("MultiFactorAuthentication failed") {
            return write!(
                f,
                "  The MFA code was refused: it must be the current code of the device the serial names (each code is accepted once), and that device must belong to the calling user."
            );
        }
        if let Some(account) = denied.untrusted_account() {
            let declared: Vec<String> = denied
                .declared_trust
                .iter()
                .map(ToString::to_string)
                .collect();
            writeln!(
                f,
                "  Account {account} is not trusted: the role's declaration trusts {}, and {who} is none of them nor of their accounts. No ExternalId or MFA code can change that; the role's owner must add {who} or account {account} to the trust policy of {}.",
                declared.join(", "),
                denied.role
            )?;
        }
        writeln!(f, "  Either side can refuse:")?;
        let mut conditions = Vec::new();
        if denied.external_id.is_some() {
            conditions.push("its sts:ExternalId condition must match the ExternalId sent");
        } else {
            conditions.push(
                "if it demands sts:ExternalId (a third party's role should, against the confused deputy problem), none was sent",
            );
        }
        if denied.mfa {
            conditions.push("MFA was used");
        } else {
            conditions.push("if it demands aws:MultiFactorAuthPresent, no MFA was used");
        }
        let caller_account = denied
            .caller
            .as_ref()
            .and_then(|c| c.account())
            .map_or_else(|| "of the caller".to_owned(), |a| a.to_string());
        writeln!(
            f,
            "  - account {} (trusting): the trust policy of {} must allow {who} (or its account) to {} ({}); a principal whose account it does not trust is refused whatever it sends",
            denied.role.account(),
            denied.role,
            denied.action,
            conditions.join("; ")
        )?;
        writeln!(
            f,
            "  - account {caller_account} (trusted): an identity policy of {who} must allow {} on {}",
            denied.action, denied.role
        )?;
        write!(
            f,
            "  - or the role may not exist: STS answers a missing role with the same AccessDenied"
        )?;
        let cause = denied.cause();
        if denied.reported.is_some() && cause != DenialCause::Unknown {
            write!(f, "\n  The embedded STS found: {cause}.")?;
        }
        // Why the ExternalId exists, when it may be the cause: the fix is to send the
        // id the role's owner was given, never to drop the condition. It is the cause
        // only once the caller's account is trusted, which STS does not tell.
        if denied.external_id.is_some() && denied.untrusted_account().is_none() {
            write!(
                f,
                "\n  If the trust policy does trust account {caller_account}, the ExternalId is the likely cause. A wrong ExternalId is refused on purpose: a third party gives each customer its own id and sends it with every AssumeRole, so that no other customer can make it act on this role (the confused deputy problem). Send the id agreed with the role's owner; do not remove the condition. If it does not trust that account, the ExternalId cannot help: the role's owner must add the account to the trust policy."
            )?;
        }
        if denied.caller.is_some() {
            write!(
                f,
                "\n  AccessDenied::fixing_policies() gives the trust statement to add for this caller and its identity policy, or says why none should be added."
            )?;
        }
        Ok(())
    }
}
