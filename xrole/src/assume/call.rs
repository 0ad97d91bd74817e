//! One AssumeRole call: the request STS receives, and its answer read back into
//! credentials or an [`Error`] that explains a refusal.

use aws_credential_types::Credentials;
use aws_sdk_sts::error::ProvideErrorMetadata;
use xrole_core::{OrgDenial, PrincipalArn, RoleArn, SessionName};

use super::AssumeRole;
use super::mfa::Mfa;
use crate::Error;
use crate::error::AccessDenied;

/// The parameters of the AssumeRole calls of one session.
pub(super) struct Params {
    pub(super) request: AssumeRole,
    pub(super) session_name: SessionName,
    /// The device whose code goes with each call (the each-assume strategy).
    pub(super) mfa: Option<Mfa>,
}

impl Params {
    pub(super) async fn assume(&self, sts: &aws_sdk_sts::Client) -> Result<Credentials, Error> {
        let r = &self.request;
        let spec = r.spec.spec();
        let span = tracing::info_span!("xrole.assume", role_arn = %spec.role(), session_name = %self.session_name);
        let _entered = span.enter();
        let mut call = sts
            .assume_role()
            .role_arn(spec.role().as_str())
            .role_session_name(self.session_name.as_str());
        if let Some(id) = spec.external_id() {
            call = call.external_id(id.as_str());
        }
        if let Some(d) = spec.duration() {
            call = call.duration_seconds(d.as_secs() as i32);
        }
        for tag in spec.tags().iter() {
            call = call.tags(
                aws_sdk_sts::types::Tag::builder()
                    .key(tag.key())
                    .value(tag.value())
                    .build()
                    .map_err(|e| Error::Config {
                        role: spec.role().clone(),
                        message: e.to_string(),
                    })?,
            );
        }
        for key in spec.transitive_tag_keys().iter() {
            call = call.transitive_tag_keys(key);
        }
        if let Some(si) = spec.source_identity() {
            call = call.source_identity(si.as_str());
        }
        if let Some(p) = spec.session_policy() {
            call = call.policy(p.as_str());
        }
        for arn in spec.policy_arns().iter() {
            call = call.policy_arns(
                aws_sdk_sts::types::PolicyDescriptorType::builder()
                    .arn(arn.as_str())
                    .build(),
            );
        }
        if let Some(m) = &self.mfa {
            let code = m.code(spec.role()).await?;
            call = call
                .serial_number(m.serial.as_str())
                .token_code(code.expose());
        }
        drop(_entered);
        let out = call.send().await.map_err(|e| self.error(e))?;
        credentials_from(out.credentials(), spec.role())
    }

    fn error(
        &self,
        e: aws_sdk_sts::error::SdkError<aws_sdk_sts::operation::assume_role::AssumeRoleError>,
    ) -> Error {
        let r = &self.request;
        let spec = r.spec.spec();
        match e.code() {
            Some("AccessDenied") => {
                let message = e.message().unwrap_or_default().to_owned();
                // "User: ARN is not authorized to perform: ACTION on resource: ARN"
                let caller = message
                    .strip_prefix("User: ")
                    .and_then(|m| m.split(' ').next())
                    .and_then(|a| PrincipalArn::parse(a).ok());
                let action = message
                    .split("to perform: ")
                    .nth(1)
                    .and_then(|m| m.split(' ').next())
                    .unwrap_or("sts:AssumeRole")
                    .to_owned();
                Error::AccessDenied(Box::new(AccessDenied {
                    org: OrgDenial::from_message(&message),
                    role: spec.role().clone(),
                    caller,
                    action,
                    message,
                    external_id: spec.external_id().cloned(),
                    mfa: self.mfa.is_some() || r.mfa.is_some(),
                    declared_trust: spec.trusted().to_vec(),
                }))
            }
            _ => Error::from_sdk(spec.role(), "AssumeRole", e),
        }
    }
}

pub(super) fn credentials_from(
    c: Option<&aws_sdk_sts::types::Credentials>,
    role: &RoleArn,
) -> Result<Credentials, Error> {
    let c = c.ok_or_else(|| Error::Sts {
        role: role.clone(),
        operation: "AssumeRole",
        code: None,
        status: None,
        message: "STS answered without credentials".into(),
        source: None,
    })?;
    let expiry = std::time::SystemTime::try_from(*c.expiration()).map_err(|e| Error::Sts {
        role: role.clone(),
        operation: "AssumeRole",
        code: None,
        status: None,
        message: format!("unreadable expiration: {e}").into(),
        source: None,
    })?;
    Ok(Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_owned()),
        Some(expiry),
        "xrole",
    ))
}
