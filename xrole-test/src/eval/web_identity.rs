//! An AssumeRoleWithWebIdentity call as the evaluator sees it: the identity
//! provider is the principal, the token's claims are condition keys
//! (`ISSUER:sub`, `ISSUER:aud`, ...), and the trust policy alone decides (no
//! identity policy governs a provider).

use serde_json::{Map, Value};
use xrole_core::{ASSUME_ROLE_WITH_WEB_IDENTITY, PrincipalArn, RoleArn, web_identity_claim_keys};

use super::call::{CallEvaluation, StsCall};
use super::{Caller, Context, ContextValue, PolicySet, Request};

/// The parameters and circumstances of one AssumeRoleWithWebIdentity call.
#[derive(Clone, Debug)]
pub struct WebIdentityCall {
    base: StsCall,
    role: RoleArn,
    session_name: String,
    issuer: String,
}

impl WebIdentityCall {
    /// A token of `provider` (an OIDC provider ARN, or a built-in web identity
    /// provider) presented to assume `role` as `session_name` at `now_unix`
    /// (seconds since the epoch), over HTTPS. `aws:FederatedProvider` is the
    /// provider; add the token's claims with [`claims`](Self::claims).
    pub fn new(provider: PrincipalArn, role: RoleArn, session_name: &str, now_unix: i64) -> Self {
        let issuer = provider
            .web_identity_issuer()
            .unwrap_or_default()
            .to_owned();
        let mut base = StsCall::new(Caller::new(provider.clone()), now_unix);
        base.context
            .insert("aws:FederatedProvider", provider.to_string());
        Self {
            base,
            role,
            session_name: session_name.to_owned(),
            issuer,
        }
    }

    /// The token's claims as condition keys (see [`web_identity_context`]).
    pub fn claims(mut self, claims: &Map<String, Value>) -> Self {
        let provider = self.base.caller.arn().clone();
        self.base
            .add_context(&web_identity_context(&provider, claims));
        self
    }

    /// One claim's key, `ISSUER:name`, set to `value`.
    pub fn claim(mut self, name: &str, value: impl Into<ContextValue>) -> Self {
        let key = format!("{}:{name}", self.issuer);
        self.base.context.insert(&key, value);
        self
    }

    /// The caller's address (`aws:SourceIp`).
    pub fn source_ip(mut self, ip: std::net::IpAddr) -> Self {
        self.base.source_ip = Some(ip);
        self
    }

    /// More context keys (the organization's), over none the call derives itself.
    pub fn context(mut self, context: &Context) -> Self {
        self.base.add_context(context);
        self
    }

    /// The issuer's claim-key prefix (`token.actions.githubusercontent.com`).
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The request STS evaluates: `sts:AssumeRoleWithWebIdentity` on the role.
    pub fn request(&self) -> Request {
        self.base
            .request(ASSUME_ROLE_WITH_WEB_IDENTITY, self.role.as_str())
            .with("sts:RoleSessionName", self.session_name.as_str())
    }
}

/// The condition keys STS sets from a token of `provider`: `aws:FederatedProvider`,
/// and `ISSUER:CLAIM` for each claim it makes a key of
/// ([`web_identity_claim_keys`]), strings and numbers as text, lists as lists.
/// `ISSUER:aud` is the authorized party (`azp`) when the token names one, and
/// `ISSUER:oaud` then the original audience.
pub fn web_identity_context(provider: &PrincipalArn, claims: &Map<String, Value>) -> Context {
    let issuer = provider.web_identity_issuer().unwrap_or_default();
    let mut context = Context::new();
    context.insert("aws:FederatedProvider", provider.to_string());
    let azp = claims.get("azp").and_then(Value::as_str);
    for &name in web_identity_claim_keys(issuer) {
        let value = match (name, azp) {
            ("aud", Some(azp)) => Some(ContextValue::from(azp)),
            ("oaud", Some(_)) => claims.get("aud").and_then(context_value),
            ("oaud", None) => None,
            _ => claims.get(name).and_then(context_value),
        };
        if let Some(v) = value {
            context.insert(&format!("{issuer}:{name}"), v);
        }
    }
    context
}

/// A claim as a condition value: text, a number as text, a list of those.
fn context_value(v: &Value) -> Option<ContextValue> {
    let text = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    match v {
        Value::Array(items) => Some(ContextValue::from(
            items.iter().filter_map(text).collect::<Vec<_>>(),
        )),
        other => text(other).map(ContextValue::from),
    }
}

/// Evaluates an AssumeRoleWithWebIdentity call against the role's trust policy
/// (and the organization's resource control policies, set on `policies`).
pub fn evaluate_web_identity(call: &WebIdentityCall, policies: &PolicySet) -> CallEvaluation {
    CallEvaluation::of([(ASSUME_ROLE_WITH_WEB_IDENTITY, call.request())], policies)
}
