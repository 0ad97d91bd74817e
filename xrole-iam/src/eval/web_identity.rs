//! An AssumeRoleWithWebIdentity call as the evaluator sees it: the identity
//! provider is the principal, the token's claims are condition keys
//! (`ISSUER:sub`, `ISSUER:aud`, ...), the session tags and source identity the
//! token carries need `sts:TagSession` and `sts:SetSourceIdentity`, and the trust
//! policy alone decides (no identity policy governs a provider).

use serde_json::{Map, Value};
use xrole_core::policy::keys;
use xrole_core::{
    ASSUME_ROLE_WITH_WEB_IDENTITY, PrincipalArn, RoleArn, SessionTag, SessionTags, SourceIdentity,
    TransitiveTagKeys, web_identity_claim_keys,
};

use super::call::{CallEvaluation, StsCall};
use super::{Caller, Context, ContextValue, PolicySet, Request};

/// The parameters and circumstances of one AssumeRoleWithWebIdentity call.
#[derive(Clone, Debug)]
pub struct WebIdentityCall {
    base: StsCall,
    role: RoleArn,
    session_name: String,
    issuer: String,
    session: TokenSession,
}

/// The claim under which a token carries session tags (`principal_tags`, each a
/// one-value list, and `transitive_tag_keys`): IAM user guide, "Passing session
/// tags using AssumeRoleWithWebIdentity".
pub const TAGS_CLAIM: &str = "https://aws.amazon.com/tags";

/// The claim under which a token carries a source identity.
pub const SOURCE_IDENTITY_CLAIM: &str = "https://aws.amazon.com/source_identity";

/// What a token asks of its session: session tags, transitive tag keys, a source
/// identity, each checked with xrole-core's rules and kept as its type.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TokenSession {
    /// The session tags, in the token's order.
    pub tags: SessionTags,
    /// The keys among them that pass on to chained sessions.
    pub transitive_tag_keys: TransitiveTagKeys,
    /// The source identity.
    pub source_identity: Option<SourceIdentity>,
}

impl TokenSession {
    /// Reads [`TAGS_CLAIM`] and [`SOURCE_IDENTITY_CLAIM`], each value checked with
    /// xrole-core's rules (those of AssumeRole's parameters): at most 50 tags, keys
    /// unique regardless of case, transitive keys among them.
    pub fn from_claims(claims: &Map<String, Value>) -> Result<Self, String> {
        let mut session = Self::default();
        if let Some(tags) = claims.get(TAGS_CLAIM) {
            let tags = tags
                .as_object()
                .ok_or_else(|| format!("{TAGS_CLAIM} must be an object"))?;
            let mut parsed = Vec::new();
            if let Some(principal) = tags.get("principal_tags") {
                let principal = principal
                    .as_object()
                    .ok_or_else(|| "principal_tags must be an object".to_owned())?;
                for (key, value) in principal {
                    let value = match value {
                        Value::String(v) => v.as_str(),
                        Value::Array(list) if list.len() == 1 => {
                            list[0].as_str().ok_or_else(|| {
                                format!("the session tag {key:?} must have one text value")
                            })?
                        }
                        _ => {
                            return Err(format!(
                                "the session tag {key:?} must have one text value"
                            ));
                        }
                    };
                    parsed.push(SessionTag::new(key, value).map_err(|e| e.to_string())?);
                }
            }
            let mut keys = Vec::new();
            if let Some(list) = tags.get("transitive_tag_keys") {
                let list = list
                    .as_array()
                    .ok_or_else(|| "transitive_tag_keys must be a list".to_owned())?;
                for k in list {
                    let k = k
                        .as_str()
                        .ok_or_else(|| "transitive_tag_keys must list text keys".to_owned())?;
                    keys.push(k.to_owned());
                }
            }
            session.tags = SessionTags::new(parsed).map_err(|e| e.to_string())?;
            session.transitive_tag_keys =
                TransitiveTagKeys::new(&keys).map_err(|e| e.to_string())?;
            session
                .transitive_tag_keys
                .validate(&session.tags)
                .map_err(|e| e.to_string())?;
        }
        if let Some(si) = claims.get(SOURCE_IDENTITY_CLAIM) {
            let si = si
                .as_str()
                .ok_or_else(|| format!("{SOURCE_IDENTITY_CLAIM} must be text"))?;
            session.source_identity = Some(SourceIdentity::parse(si).map_err(|e| e.to_string())?);
        }
        Ok(session)
    }

    /// The session tags whose keys are transitive.
    pub fn transitive_tags(&self) -> Vec<SessionTag> {
        self.tags
            .iter()
            .filter(|t| {
                self.transitive_tag_keys
                    .iter()
                    .any(|k| SessionTag::same_key(k, t.key()))
            })
            .cloned()
            .collect()
    }
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
        base.add_context(&web_identity_context(&provider, &Map::new()));
        Self {
            base,
            role,
            session_name: session_name.to_owned(),
            issuer,
            session: TokenSession::default(),
        }
    }

    /// The session tags, transitive keys and source identity the token carries
    /// ([`TokenSession::from_claims`]).
    pub fn session(mut self, session: &TokenSession) -> Self {
        self.base.tags = session.tags.iter().cloned().collect();
        self.session = session.clone();
        self
    }

    /// The actions the call needs allowed: `sts:AssumeRoleWithWebIdentity`, plus
    /// `sts:TagSession` when the token carries tags and `sts:SetSourceIdentity`
    /// when it carries a source identity.
    pub fn actions(&self) -> Vec<&'static str> {
        let mut actions = vec![ASSUME_ROLE_WITH_WEB_IDENTITY];
        if !self.session.tags.is_empty() {
            actions.push("sts:TagSession");
        }
        if self.session.source_identity.is_some() {
            actions.push("sts:SetSourceIdentity");
        }
        actions
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

    /// The request STS evaluates for `sts:AssumeRoleWithWebIdentity` on the role.
    pub fn request(&self) -> Request {
        self.request_for(ASSUME_ROLE_WITH_WEB_IDENTITY)
    }

    /// One request per needed action ([`actions`](Self::actions)), each with the
    /// context STS builds: the claims, the session tags (`aws:RequestTag/...`,
    /// `aws:TagKeys`), `sts:TransitiveTagKeys`, `sts:SourceIdentity`.
    pub fn requests(&self) -> Vec<Request> {
        self.actions()
            .into_iter()
            .map(|a| self.request_for(a))
            .collect()
    }

    fn request_for(&self, action: &str) -> Request {
        let mut r = self
            .base
            .request(action, self.role.as_str())
            .with(keys::ROLE_SESSION_NAME, self.session_name.as_str());
        if !self.session.transitive_tag_keys.is_empty() {
            r = r.with(
                keys::TRANSITIVE_TAG_KEYS,
                self.session
                    .transitive_tag_keys
                    .iter()
                    .map(str::to_owned)
                    .collect::<Vec<_>>(),
            );
        }
        if let Some(si) = &self.session.source_identity {
            r = r.with(keys::REQUESTED_SOURCE_IDENTITY, si.as_str());
        }
        r
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
    context.insert(keys::FEDERATED_PROVIDER, provider.to_string());
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
    CallEvaluation::of(call.actions().into_iter().zip(call.requests()), policies)
}
