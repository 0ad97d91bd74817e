//! An AssumeRole call as the evaluator sees it: the actions it needs
//! (`sts:AssumeRole`, plus `sts:TagSession` with tags and `sts:SetSourceIdentity`
//! with a source identity) and the context keys STS puts in each request.

use std::net::IpAddr;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use xrole_core::RoleArn;

use super::{Caller, Context, Decision, Evaluation, PolicySet, Request, evaluate};

/// The MFA state of the caller's credentials.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mfa {
    /// Long-term access keys: the MFA keys are absent from the context.
    LongTermKeys,
    /// Temporary credentials obtained without MFA.
    Absent,
    /// Temporary credentials obtained with MFA, this many seconds ago.
    Present {
        /// Seconds since the MFA authentication (`aws:MultiFactorAuthAge`).
        age_secs: u64,
    },
}

/// The parameters and circumstances of one AssumeRole call.
#[derive(Clone, Debug)]
pub struct AssumeRoleCall {
    caller: Caller,
    role: RoleArn,
    session_name: String,
    external_id: Option<String>,
    mfa: Mfa,
    source_ip: Option<IpAddr>,
    secure_transport: bool,
    now_unix: i64,
    principal_tags: Vec<(String, String)>,
    tags: Vec<(String, String)>,
    transitive_tag_keys: Vec<String>,
    source_identity: Option<String>,
    session_source_identity: Option<String>,
    context: Context,
}

impl AssumeRoleCall {
    /// `caller` assumes `role` with session name `session_name`, over HTTPS, with
    /// long-term keys, at `now_unix` (seconds since the epoch).
    pub fn new(caller: Caller, role: RoleArn, session_name: &str, now_unix: i64) -> Self {
        Self {
            caller,
            role,
            session_name: session_name.to_owned(),
            external_id: None,
            mfa: Mfa::LongTermKeys,
            source_ip: None,
            secure_transport: true,
            now_unix,
            principal_tags: Vec::new(),
            tags: Vec::new(),
            transitive_tag_keys: Vec::new(),
            source_identity: None,
            session_source_identity: None,
            context: Context::new(),
        }
    }
    /// The `ExternalId` parameter.
    pub fn external_id(mut self, id: &str) -> Self {
        self.external_id = Some(id.to_owned());
        self
    }
    /// The MFA state of the caller's credentials.
    pub fn mfa(mut self, mfa: Mfa) -> Self {
        self.mfa = mfa;
        self
    }
    /// The caller's address (`aws:SourceIp`).
    pub fn source_ip(mut self, ip: IpAddr) -> Self {
        self.source_ip = Some(ip);
        self
    }
    /// Whether the call came over TLS (`aws:SecureTransport`).
    pub fn secure_transport(mut self, secure: bool) -> Self {
        self.secure_transport = secure;
        self
    }
    /// A tag of the calling principal (`aws:PrincipalTag/key`): its IAM tags or the
    /// session tags of its session.
    pub fn principal_tag(mut self, key: &str, value: &str) -> Self {
        self.principal_tags.push((key.to_owned(), value.to_owned()));
        self
    }
    /// A session tag passed with the call (`aws:RequestTag/key`, `aws:TagKeys`).
    pub fn tag(mut self, key: &str, value: &str) -> Self {
        self.tags.push((key.to_owned(), value.to_owned()));
        self
    }
    /// The `TransitiveTagKeys` parameter.
    pub fn transitive_tag_key(mut self, key: &str) -> Self {
        self.transitive_tag_keys.push(key.to_owned());
        self
    }
    /// The `SourceIdentity` parameter.
    pub fn source_identity(mut self, identity: &str) -> Self {
        self.source_identity = Some(identity.to_owned());
        self
    }

    /// The source identity of the calling session (`aws:SourceIdentity`): set once
    /// in a chain, it stays with every session after.
    pub fn session_source_identity(mut self, identity: &str) -> Self {
        self.session_source_identity = Some(identity.to_owned());
        self
    }

    /// More context keys for every request of the call (the organization's, from
    /// [`CompiledOrganization::context`](crate::org::CompiledOrganization::context)),
    /// over none the call derives itself.
    pub fn context(mut self, context: &Context) -> Self {
        for (k, v) in context.iter() {
            self.context.insert(k, v.clone());
        }
        self
    }

    /// The actions the call needs allowed: `sts:AssumeRole`, `sts:TagSession` when
    /// tags are passed, `sts:SetSourceIdentity` when a source identity is.
    pub fn actions(&self) -> Vec<&'static str> {
        xrole_core::assume_actions(
            !self.tags.is_empty() || !self.transitive_tag_keys.is_empty(),
            self.source_identity.is_some(),
        )
    }

    /// One request per needed action, each with the context STS builds.
    pub fn requests(&self) -> Vec<Request> {
        self.actions()
            .into_iter()
            .map(|action| {
                let mut r = Request::new(self.caller.clone(), action, self.role.as_str())
                    .with("sts:RoleSessionName", self.session_name.as_str())
                    .with("aws:SecureTransport", self.secure_transport)
                    .with("aws:EpochTime", self.now_unix.to_string());
                if let Ok(t) = OffsetDateTime::from_unix_timestamp(self.now_unix)
                    && let Ok(text) = t.format(&Rfc3339)
                {
                    r = r.with("aws:CurrentTime", text);
                }
                if let Some(id) = &self.external_id {
                    r = r.with("sts:ExternalId", id.as_str());
                }
                match self.mfa {
                    Mfa::LongTermKeys => {}
                    Mfa::Absent => r = r.with("aws:MultiFactorAuthPresent", false),
                    Mfa::Present { age_secs } => {
                        r = r
                            .with("aws:MultiFactorAuthPresent", true)
                            .with("aws:MultiFactorAuthAge", age_secs.to_string());
                    }
                }
                if let Some(ip) = self.source_ip {
                    r = r.with("aws:SourceIp", ip.to_string());
                }
                for (k, v) in &self.principal_tags {
                    r = r.with(&format!("aws:PrincipalTag/{k}"), v.as_str());
                }
                if !self.tags.is_empty() {
                    for (k, v) in &self.tags {
                        r = r.with(&format!("aws:RequestTag/{k}"), v.as_str());
                    }
                    r = r.with(
                        "aws:TagKeys",
                        self.tags.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>(),
                    );
                }
                if !self.transitive_tag_keys.is_empty() {
                    r = r.with("sts:TransitiveTagKeys", self.transitive_tag_keys.clone());
                }
                if let Some(si) = &self.source_identity {
                    r = r.with("sts:SourceIdentity", si.as_str());
                }
                if let Some(si) = &self.session_source_identity {
                    r = r.with("aws:SourceIdentity", si.as_str());
                }
                for (k, v) in self.context.iter() {
                    r = r.with_default(k, v.clone());
                }
                r
            })
            .collect()
    }
}

/// The decision on a whole AssumeRole call, and the evaluation of each action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssumeRoleEvaluation {
    /// Allowed only if every action is; explicitly denied if any action is.
    pub decision: Decision,
    /// Each action with its evaluation.
    pub actions: Vec<(&'static str, Evaluation)>,
}

impl AssumeRoleEvaluation {
    /// The first action that is not allowed, with its evaluation.
    pub fn first_refusal(&self) -> Option<(&'static str, &Evaluation)> {
        self.actions
            .iter()
            .find(|(_, e)| !e.is_allowed())
            .map(|(a, e)| (*a, e))
    }
}

/// Evaluates every action an AssumeRole call needs.
pub fn evaluate_assume_role(call: &AssumeRoleCall, policies: &PolicySet) -> AssumeRoleEvaluation {
    let actions: Vec<(&'static str, Evaluation)> = call
        .actions()
        .into_iter()
        .zip(call.requests())
        .map(|(action, request)| (action, evaluate(&request, policies)))
        .collect();
    let decision = if actions
        .iter()
        .any(|(_, e)| e.decision == Decision::ExplicitlyDenied)
    {
        Decision::ExplicitlyDenied
    } else if actions.iter().all(|(_, e)| e.is_allowed()) {
        Decision::Allowed
    } else {
        Decision::ImplicitlyDenied
    };
    AssumeRoleEvaluation { decision, actions }
}
