//! The STS client a session calls through, and how STS's answer becomes
//! credentials: what the AssumeRole calls and the MFA session share.

use aws_config::identity::IdentityCache;
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_types::SdkConfig;
use xrole_core::RoleArn;

use crate::Error;

/// An STS client on `base`'s settings without credentials: for the unsigned
/// `AssumeRoleWithWebIdentity`, whose token is the credential.
pub(super) fn unsigned_sts_client(base: &SdkConfig) -> aws_sdk_sts::Client {
    let mut config = base.to_builder();
    config.set_credentials_provider(None);
    aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::config::Builder::from(
            &config.identity_cache(IdentityCache::no_cache()).build(),
        )
        .build(),
    )
}

/// An STS client on `base`'s settings that signs with `source`, uncached: it signs
/// one call per refresh, and a parent session's engine caches already.
pub(super) fn sts_client(
    base: &SdkConfig,
    source: SharedCredentialsProvider,
) -> aws_sdk_sts::Client {
    aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::config::Builder::from(
            &base
                .to_builder()
                .credentials_provider(source)
                .identity_cache(IdentityCache::no_cache())
                .build(),
        )
        .build(),
    )
}

/// The credentials of an answer of `operation`, or the error that says what was
/// missing.
pub(super) fn credentials_from(
    c: Option<&aws_sdk_sts::types::Credentials>,
    role: &RoleArn,
    operation: &'static str,
) -> Result<Credentials, Error> {
    let c = c.ok_or_else(|| Error::Sts {
        role: role.clone(),
        operation,
        code: None,
        status: None,
        message: Some("STS answered without credentials".into()),
        source: None,
    })?;
    let expiry = std::time::SystemTime::try_from(*c.expiration()).map_err(|e| Error::Sts {
        role: role.clone(),
        operation,
        code: None,
        status: None,
        message: Some(format!("unreadable expiration: {e}").into()),
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
