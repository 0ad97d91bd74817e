//! One AssumeRole call: the request STS receives, and its answer read back into
//! credentials or an [`Error`] that explains a refusal.

use aws_credential_types::Credentials;
use aws_sdk_sts::error::ProvideErrorMetadata;
use xrole_core::{
    DENIAL_KIND_HEADER, DENIAL_POLICY_HEADER, DenialKind, OrgDenial, PrincipalArn, SessionName,
};

use super::AssumeRole;
use super::client::credentials_from;
use super::mfa::Mfa;
use super::web_identity::{TokenClaims, WebIdentity};
use crate::error::AccessDenied;
use crate::{ConfigProblem, Error};

/// The parameters of the AssumeRole calls of one session.
pub(super) struct Params {
    pub(super) request: AssumeRole,
    pub(super) session_name: SessionName,
    /// The device whose code goes with each call (the each-assume strategy).
    pub(super) mfa: Option<Mfa>,
    /// Where the tokens come from, for a web identity session.
    pub(super) web_identity: Option<WebIdentity>,
}

impl Params {
    pub(super) async fn assume(&self, sts: &aws_sdk_sts::Client) -> Result<Credentials, Error> {
        if let Some(w) = &self.web_identity {
            return self.assume_with_web_identity(sts, w).await;
        }
        let r = &self.request;
        let spec = r.spec.spec();
        let span = tracing::info_span!("xrole.assume", role_arn = %spec.role(), session_name = %self.session_name);
        let _entered = span.enter();
        let session = SessionParameters::of(spec);
        let mut call = sts
            .assume_role()
            .role_arn(spec.role().as_str())
            .role_session_name(self.session_name.as_str())
            .set_duration_seconds(session.duration_seconds)
            .set_policy(session.policy)
            .set_policy_arns(session.policy_arns);
        if let Some(id) = spec.external_id() {
            call = call.external_id(id.as_str());
        }
        for tag in spec.tags().iter() {
            call = call.tags(
                aws_sdk_sts::types::Tag::builder()
                    .key(tag.key())
                    .value(tag.value())
                    .build()
                    .map_err(|e| Error::Config {
                        role: spec.role().clone(),
                        problem: ConfigProblem::Request(e.to_string()),
                    })?,
            );
        }
        for key in spec.transitive_tag_keys().iter() {
            call = call.transitive_tag_keys(key);
        }
        if let Some(si) = spec.source_identity() {
            call = call.source_identity(si.as_str());
        }
        if let Some(m) = &self.mfa {
            let code = m.code(spec.role()).await?;
            call = call
                .serial_number(m.serial.as_str())
                .token_code(code.expose());
        }
        drop(_entered);
        let out = call.send().await.map_err(|e| self.error(e))?;
        credentials_from(out.credentials(), spec.role(), "AssumeRole")
    }

    /// One `AssumeRoleWithWebIdentity`, with a token read now.
    async fn assume_with_web_identity(
        &self,
        sts: &aws_sdk_sts::Client,
        source: &WebIdentity,
    ) -> Result<Credentials, Error> {
        let spec = self.request.spec.spec();
        let token = source.read_token(spec.role()).await?;
        let span = tracing::info_span!("xrole.assume_with_web_identity", role_arn = %spec.role(), session_name = %self.session_name);
        let _entered = span.enter();
        let session = SessionParameters::of(spec);
        let claims = TokenClaims::read_unverified(&token);
        let call = sts
            .assume_role_with_web_identity()
            .role_arn(spec.role().as_str())
            .role_session_name(self.session_name.as_str())
            .web_identity_token(token)
            .set_duration_seconds(session.duration_seconds)
            .set_policy(session.policy)
            .set_policy_arns(session.policy_arns);
        drop(_entered);
        let out = call.send().await.map_err(|e| {
            if e.code() == Some("AccessDenied") {
                let mut denied = self.access_denied(&e, xrole_core::ASSUME_ROLE_WITH_WEB_IDENTITY);
                denied.token = claims;
                Error::AccessDenied(Box::new(denied))
            } else {
                Error::from_sdk(spec.role(), "AssumeRoleWithWebIdentity", e)
            }
        })?;
        credentials_from(out.credentials(), spec.role(), "AssumeRoleWithWebIdentity")
    }

    fn error(
        &self,
        e: aws_sdk_sts::error::SdkError<aws_sdk_sts::operation::assume_role::AssumeRoleError>,
    ) -> Error {
        let spec = self.request.spec.spec();
        match e.code() {
            Some("AccessDenied") => {
                Error::AccessDenied(Box::new(self.access_denied(&e, "sts:AssumeRole")))
            }
            _ => Error::from_sdk(spec.role(), "AssumeRole", e),
        }
    }

    /// STS's `AccessDenied`, read into what explains it; `operation` is the action
    /// when the message names none.
    fn access_denied<E, R>(
        &self,
        e: &aws_sdk_sts::error::SdkError<E, R>,
        operation: &str,
    ) -> AccessDenied
    where
        E: ProvideErrorMetadata + aws_sdk_sts::operation::RequestId,
        R: HasHeaders,
    {
        let r = &self.request;
        let spec = r.spec.spec();
        let message = e.message().unwrap_or_default();
        // "User: ARN is not authorized to perform: ACTION on resource: ARN"
        let caller = message
            .strip_prefix("User: ")
            .and_then(|m| m.split(' ').next())
            .and_then(|a| PrincipalArn::parse(a).ok());
        let action = message
            .split("to perform: ")
            .nth(1)
            .and_then(|m| m.split(' ').next())
            .unwrap_or(operation)
            .to_owned();
        let header = |name: &str| e.raw_response().and_then(|r| r.header(name));
        AccessDenied {
            org: OrgDenial::from_message(message),
            role: spec.role().clone(),
            caller,
            action,
            message: message.to_owned(),
            external_id: spec.external_id().cloned(),
            mfa: self.mfa.is_some() || r.mfa().is_some(),
            declared_trust: spec.trusted().to_vec(),
            declared_web_identities: spec.web_identities().to_vec(),
            token: None,
            request_id: e
                .as_service_error()
                .and_then(|s| s.request_id())
                .map(str::to_owned),
            reported: header(DENIAL_KIND_HEADER).and_then(DenialKind::parse),
            reported_policy: header(DENIAL_POLICY_HEADER)
                .map(|p| p.chars().take(MAX_REPORTED_CHARS).collect()),
        }
    }
}

/// The most of an answer header's text kept in an error.
const MAX_REPORTED_CHARS: usize = 512;

/// The headers of an SDK error's raw answer.
trait HasHeaders {
    fn header(&self, name: &str) -> Option<&str>;
}

impl HasHeaders for aws_smithy_runtime_api::client::orchestrator::HttpResponse {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers().get(name)
    }
}

/// The parameters every role-assuming call sends alike: `DurationSeconds` and
/// the session policies.
struct SessionParameters {
    duration_seconds: Option<i32>,
    policy: Option<String>,
    policy_arns: Option<Vec<aws_sdk_sts::types::PolicyDescriptorType>>,
}

impl SessionParameters {
    fn of(spec: &xrole_core::RoleSpec) -> Self {
        let arns: Vec<_> = spec
            .policy_arns()
            .iter()
            .map(|arn| {
                aws_sdk_sts::types::PolicyDescriptorType::builder()
                    .arn(arn.as_str())
                    .build()
            })
            .collect();
        Self {
            duration_seconds: spec.duration().map(|d| d.as_secs() as i32),
            policy: spec.session_policy().map(|p| p.as_str().to_owned()),
            policy_arns: (!arns.is_empty()).then_some(arns),
        }
    }
}
