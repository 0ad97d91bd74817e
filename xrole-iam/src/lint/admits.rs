//! Who a trust statement admits, asked of the evaluator: the trust lints whose
//! verdict depends on a condition (`XR001`, `XR004`, `XR017`, `XR018`) never read
//! a condition's key to decide whether it restricts; they ask whether the
//! statement, with every `Deny` of its document, lets in a principal nobody
//! declared. Which key a condition names says nothing: `StringNotEquals
//! aws:PrincipalAccount` or `StringEqualsIfExists aws:PrincipalOrgID` name the
//! right keys and admit strangers.
//!
//! The probes are what an outsider can be: a user and a role session of an
//! account that no document names (neither the role's nor a declared own
//! account), outside any organization and inside one of its own, with the
//! names the statement's own patterns invite (`arn:aws:iam::*:role/deploy-*`
//! invites a role `deploy-…` in the stranger's account), and free to send any
//! value of a key the caller chooses (ExternalId, MFA, tags, source address:
//! [`Request::open_conditions`]).

use std::cell::OnceCell;

use xrole_core::policy::keys;
use xrole_core::policy::{Effect, PolicyDocument, PolicyKind, Statement};
use xrole_core::{AccountId, Partition, PrincipalArn, PrincipalKind, RoleArn};

use crate::eval::{Caller, CompiledPolicy, Decision, PolicySet, Request, arn_sections, evaluate};

/// The role a probe asks to assume when the lint does not know the role's name.
const PROBE_ROLE: &str = "xrole-lint-role";
/// The name of a stranger's user or role.
const INTRUDER: &str = "xrole-lint-intruder";
/// What a wildcard of a name pattern becomes in a probe.
const FILL: &str = "xrole-lint";
/// The organization a stranger may have: its own, never the role's.
const STRANGER_ORG: &str = "o-xrolelint00";
const STRANGER_ORG_PATH: &str = "o-xrolelint00/r-xr00/ou-xr00-xrolelint/";
/// An ExternalId nobody agreed with the role's owner.
const UNAGREED_EXTERNAL_ID: &str = "xrole-lint-unagreed-id";
/// Bounds the probes a statement's patterns add (documents are untrusted input).
pub(super) const MAX_PATTERN_PROBES: usize = 32;

/// The statement at index `i` of `doc` with every `Deny` of `doc`: what decides
/// whether that statement lets a caller in. `None` when the document does not
/// compile as a trust policy (its validation reports that).
fn with_denies(doc: &PolicyDocument, i: usize) -> Option<CompiledPolicy> {
    let statements: Vec<Statement> = doc
        .statements()
        .iter()
        .enumerate()
        .filter(|(j, st)| *j == i || st.effect == Effect::Deny)
        .map(|(_, st)| st.clone())
        .collect();
    let mut sub = PolicyDocument::new(statements);
    sub.version = doc.version;
    CompiledPolicy::new("trust policy", &sub, PolicyKind::Trust).ok()
}

/// What the probes of one trust document know: the role's account (or a
/// stand-in), and the accounts no document names.
pub(super) struct Probes<'a> {
    doc: &'a PolicyDocument,
    role: RoleArn,
    stranger: AccountId,
    stranger_policy: CompiledPolicy,
    /// Each statement with its document's denies, compiled once when first asked.
    compiled: Vec<OnceCell<Option<CompiledPolicy>>>,
}

impl<'a> Probes<'a> {
    /// Probes for `doc`, the trust policy of a role in `role_account`, where
    /// `own` are the declared own accounts. `None` only if no stranger account
    /// could be found (a document naming a hundred of the candidates): the lints
    /// then assume the worst.
    pub(super) fn new(
        doc: &'a PolicyDocument,
        role_account: Option<AccountId>,
        own: &[AccountId],
    ) -> Option<Self> {
        let text = doc.to_canonical_json();
        let named = |a: &AccountId| {
            Some(*a) == role_account || own.contains(a) || text.contains(a.as_str())
        };
        let mut candidates = (0..100u64)
            .filter_map(|n| AccountId::parse(&format!("{:012}", 999_999_999_999 - n)).ok());
        let stranger = candidates.find(|a| !named(a))?;
        let account = match role_account {
            Some(a) => a,
            None => candidates.find(|a| !named(a))?,
        };
        let role = RoleArn::new(Partition::Aws, account, PROBE_ROLE).ok()?;
        Some(Self {
            doc,
            role,
            stranger,
            stranger_policy: allow_all()?,
            compiled: doc.statements().iter().map(|_| OnceCell::new()).collect(),
        })
    }

    /// A stranger statement `i` admits to `sts:AssumeRole`, described, or `None`
    /// when it admits none.
    pub(super) fn stranger_admitted(&self, i: usize) -> Option<String> {
        let trust = self.trust(i)?;
        let st = self.doc.statements().get(i)?;
        let mut callers = vec![self.user(INTRUDER), self.session(INTRUDER)];
        callers.extend(self.invited(st));
        for caller in callers.into_iter().flatten() {
            for org in [false, true] {
                let mut request =
                    Request::new(caller.clone(), "sts:AssumeRole", self.role.as_str())
                        .open_conditions();
                if org {
                    request = request
                        .with(keys::PRINCIPAL_ORG_ID, STRANGER_ORG)
                        .with(keys::PRINCIPAL_ORG_PATHS, vec![STRANGER_ORG_PATH]);
                }
                if self.admitted(&request, trust) {
                    return Some(format!(
                        "{} of account {}, which no policy names, {}",
                        describe(&caller),
                        self.stranger,
                        if org {
                            "in an organization of its own"
                        } else {
                            "outside any organization"
                        }
                    ));
                }
            }
        }
        None
    }

    /// Whether statement `i` admits principals of `principal`'s account (the
    /// principal itself, or a user and a role session of an account it names)
    /// without an ExternalId agreed with the role's owner: sending none, or one
    /// nobody agreed.
    pub(super) fn admits_without_external_id(&self, i: usize, principal: &PrincipalArn) -> bool {
        let Some(trust) = self.trust(i) else {
            return false;
        };
        let callers: Vec<Caller> = match principal.kind() {
            PrincipalKind::User => vec![Caller::new(principal.clone())],
            PrincipalKind::Role => principal
                .to_role_arn()
                .and_then(|r| Some(Caller::new(r.session_arn(FILL).ok()?).with_role(r)))
                .into_iter()
                .collect(),
            _ => {
                let Some(account) = principal.account() else {
                    return false;
                };
                let partition = principal.partition().unwrap_or(Partition::Aws);
                [
                    PrincipalArn::user(partition, account, INTRUDER)
                        .ok()
                        .map(Caller::new),
                    RoleArn::new(partition, account, INTRUDER)
                        .ok()
                        .and_then(|r| Some(Caller::new(r.session_arn(FILL).ok()?).with_role(r))),
                ]
                .into_iter()
                .flatten()
                .collect()
            }
        };
        callers.into_iter().any(|caller| {
            let base = Request::new(caller, "sts:AssumeRole", self.role.as_str()).open_conditions();
            self.admitted(&base.clone().without(keys::EXTERNAL_ID), trust)
                || self.admitted(&base.with(keys::EXTERNAL_ID, UNAGREED_EXTERNAL_ID), trust)
        })
    }

    /// Whether statement `i` admits the web identity `provider`'s token whose
    /// claim `sub_key` is `subject` (any audience and other claims).
    pub(super) fn admits_subject(
        &self,
        i: usize,
        provider: &PrincipalArn,
        sub_key: &str,
        subject: &str,
    ) -> bool {
        let Some(trust) = self.trust(i) else {
            return false;
        };
        let request = Request::new(
            Caller::new(provider.clone()),
            xrole_core::ASSUME_ROLE_WITH_WEB_IDENTITY,
            self.role.as_str(),
        )
        .with(sub_key, subject)
        .open_conditions();
        self.admitted(&request, trust)
    }

    /// Statement `i` with its document's denies, compiled.
    fn trust(&self, i: usize) -> Option<&CompiledPolicy> {
        self.compiled
            .get(i)?
            .get_or_init(|| with_denies(self.doc, i))
            .as_ref()
    }

    /// The evaluator's decision, the caller's own identity policies allowing
    /// everything (a stranger writes its own).
    fn admitted(&self, request: &Request, trust: &CompiledPolicy) -> bool {
        let policies = PolicySet {
            identity: vec![self.stranger_policy.clone()],
            resource: Some(trust.clone()),
            ..PolicySet::default()
        };
        evaluate(request, &policies).decision == Decision::Allowed
    }

    fn user(&self, name: &str) -> Option<Caller> {
        PrincipalArn::user(self.role.partition(), self.stranger, name)
            .ok()
            .map(Caller::new)
    }

    fn session(&self, role_name: &str) -> Option<Caller> {
        let role = RoleArn::new(self.role.partition(), self.stranger, role_name).ok()?;
        self.role_session(role)
    }

    fn role_session(&self, role: RoleArn) -> Option<Caller> {
        Some(Caller::new(role.session_arn(FILL).ok()?).with_role(role))
    }

    /// The stranger's principals the statement's own name patterns invite: for
    /// each value of a condition on `aws:PrincipalArn` or `aws:username`, the
    /// user or role it describes with its wildcards filled in, in the stranger's
    /// account when the pattern's account is a wildcard.
    fn invited(&self, st: &Statement) -> Vec<Option<Caller>> {
        let mut out = Vec::new();
        for c in st.condition.iter().flatten() {
            let key = c.key.to_ascii_lowercase();
            for v in &c.values {
                if out.len() >= MAX_PATTERN_PROBES {
                    return out;
                }
                let text = v.as_text();
                match key.as_str() {
                    "aws:username" => out.push(self.user(&fill(&text))),
                    "aws:principalarn" => out.push(self.invited_by_arn(&text)),
                    _ => {}
                }
            }
        }
        out
    }

    fn invited_by_arn(&self, pattern: &str) -> Option<Caller> {
        let [_, _, _, _, account, resource] = arn_sections(pattern)?[..] else {
            return None;
        };
        let account = if account.contains(['*', '?']) {
            self.stranger
        } else {
            // A fixed account is someone's: a stranger cannot be in it.
            return None;
        };
        let resource = fill(resource);
        let partition = self.role.partition();
        if let Some(name) = resource.strip_prefix("role/") {
            // `RoleArn::new` reads a path before the name (`team/deploy-x`).
            self.role_session(RoleArn::new(partition, account, name).ok()?)
        } else if let Some(name) = resource.strip_prefix("user/") {
            self.user(name)
        } else {
            None
        }
    }
}

/// `pattern` with each wildcard filled in.
fn fill(pattern: &str) -> String {
    pattern.replace('*', FILL).replace('?', "x")
}

/// A probe in words: `a user xrole-lint-intruder`, `a session of role deploy-x`.
fn describe(caller: &Caller) -> String {
    match (caller.arn().kind(), caller.role()) {
        (PrincipalKind::AssumedRole, Some(role)) => {
            format!("a session of role {}", role.name())
        }
        _ => format!("user {}", caller.arn().name().unwrap_or(INTRUDER)),
    }
}

/// A stranger's own identity policy: everything.
fn allow_all() -> Option<CompiledPolicy> {
    let doc: PolicyDocument =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#
            .parse()
            .ok()?;
    CompiledPolicy::new("the stranger's identity policy", &doc, PolicyKind::Identity).ok()
}
