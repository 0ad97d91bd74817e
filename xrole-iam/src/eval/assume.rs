//! An AssumeRole call as the evaluator sees it: the actions it needs
//! (`sts:AssumeRole`, plus `sts:TagSession` with tags and `sts:SetSourceIdentity`
//! with a source identity) and the context keys STS puts in each request.

use std::net::IpAddr;

use xrole_core::policy::keys;
use xrole_core::{RoleArn, SessionTag, SourceIdentity};

use super::call::{CallEvaluation, Mfa, StsCall};
use super::{Caller, Context, PolicySet, Request};

/// The parameters and circumstances of one AssumeRole call.
#[derive(Clone, Debug)]
pub struct AssumeRoleCall {
    base: StsCall,
    role: RoleArn,
    session_name: String,
    external_id: Option<String>,
    transitive_tag_keys: Vec<String>,
    source_identity: Option<SourceIdentity>,
    session_source_identity: Option<SourceIdentity>,
}

impl AssumeRoleCall {
    /// `caller` assumes `role` with session name `session_name`, over HTTPS, with
    /// long-term keys, at `now_unix` (seconds since the epoch).
    pub fn new(caller: Caller, role: RoleArn, session_name: &str, now_unix: i64) -> Self {
        Self::with_base(StsCall::new(caller, now_unix), role, session_name)
    }

    /// A call in the circumstances `base` describes.
    #[doc(hidden)]
    pub fn with_base(base: StsCall, role: RoleArn, session_name: &str) -> Self {
        Self {
            base,
            role,
            session_name: session_name.to_owned(),
            external_id: None,
            transitive_tag_keys: Vec::new(),
            source_identity: None,
            session_source_identity: None,
        }
    }
    /// The `ExternalId` parameter.
    pub fn external_id(mut self, id: &str) -> Self {
        self.external_id = Some(id.to_owned());
        self
    }
    /// The MFA state of the caller's credentials.
    pub fn mfa(mut self, mfa: Mfa) -> Self {
        self.base.mfa = mfa;
        self
    }
    /// The caller's address (`aws:SourceIp`).
    pub fn source_ip(mut self, ip: IpAddr) -> Self {
        self.base.source_ip = Some(ip);
        self
    }
    /// Whether the call came over TLS (`aws:SecureTransport`).
    pub fn secure_transport(mut self, secure: bool) -> Self {
        self.base.secure_transport = secure;
        self
    }
    /// A tag of the calling principal (`aws:PrincipalTag/key`): its IAM tags or the
    /// session tags of its session.
    pub fn principal_tag(mut self, tag: SessionTag) -> Self {
        self.base.principal_tags.push(tag);
        self
    }
    /// A session tag passed with the call (`aws:RequestTag/key`, `aws:TagKeys`).
    pub fn tag(mut self, tag: SessionTag) -> Self {
        self.base.tags.push(tag);
        self
    }
    /// The `TransitiveTagKeys` parameter.
    pub fn transitive_tag_key(mut self, key: &str) -> Self {
        self.transitive_tag_keys.push(key.to_owned());
        self
    }
    /// The `SourceIdentity` parameter.
    pub fn source_identity(mut self, identity: SourceIdentity) -> Self {
        self.source_identity = Some(identity);
        self
    }

    /// The source identity of the calling session (`aws:SourceIdentity`): set once
    /// in a chain, it stays with every session after.
    pub fn session_source_identity(mut self, identity: SourceIdentity) -> Self {
        self.session_source_identity = Some(identity);
        self
    }

    /// More context keys for every request of the call (the organization's, from
    /// [`CompiledOrganization::context`](crate::org::CompiledOrganization::context)),
    /// over none the call derives itself.
    pub fn context(mut self, context: &Context) -> Self {
        self.base.add_context(context);
        self
    }

    /// The actions the call needs allowed: `sts:AssumeRole`, `sts:TagSession` when
    /// tags are passed, `sts:SetSourceIdentity` when a source identity is.
    pub fn actions(&self) -> Vec<&'static str> {
        xrole_core::assume_actions(
            !self.base.tags.is_empty() || !self.transitive_tag_keys.is_empty(),
            self.source_identity.is_some(),
        )
    }

    /// One request per needed action, each with the context STS builds.
    pub fn requests(&self) -> Vec<Request> {
        self.actions()
            .into_iter()
            .map(|action| {
                let mut r = self
                    .base
                    .request(action, self.role.as_str())
                    .with(keys::ROLE_SESSION_NAME, self.session_name.as_str());
                if let Some(id) = &self.external_id {
                    r = r.with(keys::EXTERNAL_ID, id.as_str());
                }
                if !self.transitive_tag_keys.is_empty() {
                    r = r.with(keys::TRANSITIVE_TAG_KEYS, self.transitive_tag_keys.clone());
                }
                if let Some(si) = &self.source_identity {
                    r = r.with(keys::REQUESTED_SOURCE_IDENTITY, si.as_str());
                }
                if let Some(si) = &self.session_source_identity {
                    r = r.with(keys::SOURCE_IDENTITY, si.as_str());
                }
                r
            })
            .collect()
    }
}

/// Evaluates every action an AssumeRole call needs.
pub fn evaluate_assume_role(call: &AssumeRoleCall, policies: &PolicySet) -> CallEvaluation {
    CallEvaluation::of(call.actions().into_iter().zip(call.requests()), policies)
}
