//! A call to STS as the evaluator sees it: the circumstances every STS request
//! carries as context keys (time, transport, MFA, source address, the caller's
//! tags, the session tags sent), and the decision on a call that needs several
//! actions allowed.

use std::net::IpAddr;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{Caller, Context, Decision, Evaluation, PolicySet, Request, evaluate};
use xrole_core::SessionTag;
use xrole_core::policy::keys;

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

/// The circumstances of one call to STS, whatever the operation (what the
/// embedded STS builds its requests from).
#[derive(Clone, Debug)]
pub struct StsCall {
    /// Who calls.
    pub caller: Caller,
    /// The MFA state of its credentials.
    pub mfa: Mfa,
    /// Its address (`aws:SourceIp`).
    pub source_ip: Option<IpAddr>,
    /// Whether the call came over TLS (`aws:SecureTransport`).
    pub secure_transport: bool,
    /// When, in seconds since the epoch.
    pub now_unix: i64,
    /// The caller's tags (`aws:PrincipalTag/key`).
    pub principal_tags: Vec<SessionTag>,
    /// The session tags sent (`aws:RequestTag/key`, `aws:TagKeys`).
    pub tags: Vec<SessionTag>,
    /// More keys (the organization's), under those the call sets itself.
    pub context: Context,
}

impl StsCall {
    /// A call by `caller` over HTTPS with long-term keys at `now_unix` (seconds
    /// since the epoch).
    pub fn new(caller: Caller, now_unix: i64) -> Self {
        Self {
            caller,
            mfa: Mfa::LongTermKeys,
            source_ip: None,
            secure_transport: true,
            now_unix,
            principal_tags: Vec::new(),
            tags: Vec::new(),
            context: Context::new(),
        }
    }

    /// Adds keys under those the call sets itself.
    pub fn add_context(&mut self, context: &Context) {
        for (k, v) in context.iter() {
            self.context.insert(k, v.clone());
        }
    }

    /// The request for `action` on `resource`, with the context STS builds for it.
    pub fn request(&self, action: &str, resource: &str) -> Request {
        let mut r = Request::new(self.caller.clone(), action, resource)
            .with(keys::SECURE_TRANSPORT, self.secure_transport)
            .with(keys::EPOCH_TIME, self.now_unix.to_string());
        if let Ok(t) = OffsetDateTime::from_unix_timestamp(self.now_unix)
            && let Ok(text) = t.format(&Rfc3339)
        {
            r = r.with(keys::CURRENT_TIME, text);
        }
        match self.mfa {
            Mfa::LongTermKeys => {}
            Mfa::Absent => r = r.with(keys::MULTI_FACTOR_AUTH_PRESENT, false),
            Mfa::Present { age_secs } => {
                r = r
                    .with(keys::MULTI_FACTOR_AUTH_PRESENT, true)
                    .with(keys::MULTI_FACTOR_AUTH_AGE, age_secs.to_string());
            }
        }
        if let Some(ip) = self.source_ip {
            r = r.with(keys::SOURCE_IP, ip.to_string());
        }
        for tag in &self.principal_tags {
            r = r.with(&keys::principal_tag(tag.key()), tag.value());
        }
        if !self.tags.is_empty() {
            for tag in &self.tags {
                r = r.with(&keys::request_tag(tag.key()), tag.value());
            }
            r = r.with(
                keys::TAG_KEYS,
                self.tags
                    .iter()
                    .map(|t| t.key().to_owned())
                    .collect::<Vec<_>>(),
            );
        }
        for (k, v) in self.context.iter() {
            r = r.with_default(k, v.clone());
        }
        r
    }
}

/// The decision on a whole call (AssumeRole needs `sts:TagSession` with tags, for
/// one), and the evaluation of each action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallEvaluation {
    /// Allowed only if every action is; explicitly denied if any action is.
    pub decision: Decision,
    /// Each action with its evaluation.
    pub actions: Vec<(&'static str, Evaluation)>,
}

impl CallEvaluation {
    /// Evaluates each action's request.
    pub fn of(
        requests: impl IntoIterator<Item = (&'static str, Request)>,
        policies: &PolicySet,
    ) -> Self {
        let actions: Vec<(&'static str, Evaluation)> = requests
            .into_iter()
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
        Self { decision, actions }
    }

    /// The first action that is not allowed, with its evaluation.
    pub fn first_refusal(&self) -> Option<(&'static str, &Evaluation)> {
        self.actions
            .iter()
            .find(|(_, e)| !e.is_allowed())
            .map(|(a, e)| (*a, e))
    }
}
