//! Where a profile chain's first credentials are, beyond keys and another
//! profile: a `credential_source` (the environment, instance or container
//! metadata), and IAM Identity Center profiles, whose failures say how to sign
//! in again (or, without the `sso` feature, that the feature is needed).

use aws_config::profile::Profile;
use aws_credential_types::provider::error::{CredentialsError, TokenError};
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider, future};
#[cfg(not(feature = "sso"))]
use aws_runtime::env_config::file::EnvConfigFiles;
#[cfg(not(feature = "sso"))]
use aws_types::SdkConfig;
#[cfg(not(feature = "sso"))]
use aws_types::os_shim_internal::{Env, Fs};

/// Where a role profile's `credential_source` says its first hop's
/// credentials are: what aws-config reads there, with the profile's region.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CredentialSource {
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`
    /// (CI runners).
    Environment,
    /// The instance's role, from the EC2 instance metadata service.
    Ec2InstanceMetadata,
    /// The task's role, from the ECS (or EKS Pod Identity) container endpoint.
    EcsContainer,
}

impl CredentialSource {
    /// The values `credential_source` takes, as the AWS CLI writes them.
    pub const NAMES: [&'static str; 3] = ["Environment", "Ec2InstanceMetadata", "EcsContainer"];

    /// The source a `credential_source` value names, in any case (as aws-config
    /// reads it).
    pub fn parse(value: &str) -> Option<Self> {
        let value = value.trim();
        [
            Self::Environment,
            Self::Ec2InstanceMetadata,
            Self::EcsContainer,
        ]
        .into_iter()
        .zip(Self::NAMES)
        .find(|(_, name)| name.eq_ignore_ascii_case(value))
        .map(|(source, _)| source)
    }

    /// aws-config's provider of these credentials.
    pub(super) fn provider(self) -> SharedCredentialsProvider {
        match self {
            Self::Environment => SharedCredentialsProvider::new(
                aws_config::environment::EnvironmentVariableCredentialsProvider::new(),
            ),
            Self::Ec2InstanceMetadata => SharedCredentialsProvider::new(
                aws_config::imds::credentials::ImdsCredentialsProvider::builder().build(),
            ),
            Self::EcsContainer => SharedCredentialsProvider::new(
                aws_config::ecs::EcsCredentialsProvider::builder().build(),
            ),
        }
    }
}

/// The credentials of an IAM Identity Center profile: when its sign-in is
/// missing or expired, the failure says which command signs in again, at the
/// first call or at any refresh.
#[derive(Debug)]
struct SsoSource {
    inner: SharedCredentialsProvider,
    login: String,
}

/// `inner`, the credentials of an IAM Identity Center profile, whose token
/// failures say to run `login`.
pub(super) fn sso_credentials(
    inner: SharedCredentialsProvider,
    login: String,
) -> SharedCredentialsProvider {
    SharedCredentialsProvider::new(SsoSource { inner, login })
}

/// An IAM Identity Center token that could not be had.
#[derive(Debug, thiserror::Error)]
#[error("the IAM Identity Center sign-in is missing or expired: run `{login}`")]
struct SsoSignIn {
    login: String,
    #[source]
    cause: CredentialsError,
}

impl ProvideCredentials for SsoSource {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(async move {
            self.inner.provide_credentials().await.map_err(|cause| {
                // Only a token that could not be read or refreshed is a
                // sign-in to do again; a portal's refusal is said as it is.
                let mut level: Option<&(dyn std::error::Error + 'static)> = Some(&cause);
                let mut token = false;
                while let Some(e) = level {
                    token |= e.downcast_ref::<TokenError>().is_some();
                    level = e.source();
                }
                if token {
                    CredentialsError::provider_error(SsoSignIn {
                        login: self.login.clone(),
                        cause,
                    })
                } else {
                    cause
                }
            })
        })
    }
}

/// Whether `e`, met while getting a profile's source credentials, is final:
/// an IAM Identity Center sign-in to do again, or the portal's refusal of the
/// role (a set the user is not assigned, say). Throttling and outages are not.
pub(crate) fn is_final_source_failure(e: &(dyn std::error::Error + 'static)) -> bool {
    #[cfg(feature = "sso")]
    {
        use aws_sdk_sso::error::SdkError;
        use aws_sdk_sso::operation::get_role_credentials::GetRoleCredentialsError;
        use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
        if let Some(SdkError::ServiceError(refused)) =
            e.downcast_ref::<SdkError<GetRoleCredentialsError, HttpResponse>>()
        {
            let status = refused.raw().status();
            return status.is_client_error() && status.as_u16() != 429;
        }
    }
    e.downcast_ref::<SsoSignIn>().is_some()
}

/// Without the `sso` feature, a base configuration whose credentials would come
/// from an IAM Identity Center profile (the selected one, no keys in `env`)
/// gets credentials that say so, rather than aws-config's "initialization
/// error already taken".
#[cfg(not(feature = "sso"))]
pub(crate) async fn without_sso(config: SdkConfig, env: &Env, files: &EnvConfigFiles) -> SdkConfig {
    if env.get("AWS_ACCESS_KEY_ID").is_ok() {
        return config;
    }
    let Ok(set) = aws_config::profile::load(&Fs::real(), env, files, None).await else {
        return config;
    };
    let Some(profile) = set.get_profile(set.selected_profile()) else {
        return config;
    };
    if sso_login(profile).is_none() {
        return config;
    }
    config
        .to_builder()
        .credentials_provider(SharedCredentialsProvider::new(NoSso {
            profile: profile.name().to_owned(),
        }))
        .build()
}

/// The credentials of an IAM Identity Center profile in a build without the
/// `sso` feature: the reason, at every call.
#[cfg(not(feature = "sso"))]
#[derive(Debug)]
struct NoSso {
    profile: String,
}

#[cfg(not(feature = "sso"))]
impl ProvideCredentials for NoSso {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::ready(Err(CredentialsError::invalid_configuration(format!(
            "profile {} is an IAM Identity Center profile: build xrole with its `sso` feature to use it",
            self.profile
        ))))
    }
}

/// The command that signs in again to the IAM Identity Center session a
/// profile uses (`sso_session`), or to its legacy `sso_start_url`; `None` for a
/// profile of another kind.
pub(super) fn sso_login(profile: &Profile) -> Option<String> {
    let named = |key| profile.get(key).map(str::trim).filter(|v| !v.is_empty());
    if let Some(session) = named("sso_session") {
        Some(format!("aws sso login --sso-session {session}"))
    } else if named("sso_start_url").is_some() || named("sso_account_id").is_some() {
        Some(format!("aws sso login --profile {}", profile.name()))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use aws_credential_types::provider::error::{CredentialsError, TokenError};
    use aws_sdk_sts::error::SdkError;
    use aws_sdk_sts::operation::assume_role::AssumeRoleError;
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_runtime_api::client::result::ConnectorError;

    use super::SsoSignIn;
    use crate::{Error, SharedSource};

    /// An AssumeRole that failed on the way: its source credentials could not
    /// be had, for `cause`.
    fn failed_on_the_way(cause: CredentialsError) -> Error {
        let sdk: SdkError<AssumeRoleError, HttpResponse> =
            SdkError::dispatch_failure(ConnectorError::other(Box::new(cause), None));
        Error::Sts {
            role: "arn:aws:iam::111111111111:role/Deploy".parse().unwrap(),
            operation: "AssumeRole",
            code: None,
            status: None,
            message: None,
            source: Some(SharedSource::new(sdk)),
        }
    }

    /// A sign-in to do again is said at once: retrying cannot sign in.
    #[test]
    fn a_missing_sign_in_is_not_retried() {
        let sign_in = SsoSignIn {
            login: "aws sso login --sso-session corp".to_owned(),
            cause: CredentialsError::provider_error(TokenError::not_loaded("no token file")),
        };
        let e = failed_on_the_way(CredentialsError::provider_error(sign_in));
        assert!(!e.is_retryable(), "{e:?}");
    }

    /// The portal's refusal of the role is final; its throttling and its
    /// outages are not.
    #[cfg(feature = "sso")]
    #[test]
    fn the_portal_refusing_the_role_is_not_retried() {
        use aws_sdk_sso::operation::get_role_credentials::GetRoleCredentialsError;
        use aws_smithy_runtime_api::http::StatusCode;
        use aws_smithy_types::body::SdkBody;
        use aws_smithy_types::error::ErrorMetadata;
        let portal = |status: u16, code: &str| {
            let e = GetRoleCredentialsError::generic(ErrorMetadata::builder().code(code).build());
            let raw = HttpResponse::new(StatusCode::try_from(status).unwrap(), SdkBody::empty());
            let sdk = SdkError::<GetRoleCredentialsError, HttpResponse>::service_error(e, raw);
            failed_on_the_way(CredentialsError::provider_error(sdk))
        };
        assert!(!portal(403, "ForbiddenException").is_retryable());
        assert!(!portal(401, "UnauthorizedException").is_retryable());
        assert!(portal(429, "TooManyRequestsException").is_retryable());
        assert!(portal(500, "InternalServerException").is_retryable());
    }
}
