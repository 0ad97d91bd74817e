//! MFA: where codes come from ([`TokenProvider`]), how they are used
//! ([`MfaStrategy`]), and the `GetSessionToken` session of the MFA session strategy.

use std::sync::Arc;
use std::time::Duration;

use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_async::rt::sleep::SharedAsyncSleep;
use aws_smithy_async::time::SharedTimeSource;
use aws_types::SdkConfig;
use xrole_core::{MfaSerial, RoleArn, SessionName, TokenCode};

use super::client::{credentials_from, sts_client};
use crate::refresh::{BoxFuture, Engine, Fetch};
use crate::{ConfigProblem, Error};

/// Why a [`TokenProvider`] could not supply a code: any error (a `String` converts).
pub type TokenError = Box<dyn std::error::Error + Send + Sync>;

/// Supplies MFA codes when STS needs one.
pub trait TokenProvider: Send + Sync {
    /// A fresh code from the device.
    fn token(&self) -> BoxFuture<Result<TokenCode, TokenError>>;
}

/// Any function or closure returning a future of a code, with any error that
/// converts into [`TokenError`] (`String`, `std::io::Error`, ...).
impl<F, Fut, E> TokenProvider for F
where
    F: Fn() -> Fut + Send + Sync,
    Fut: std::future::Future<Output = Result<TokenCode, E>> + Send + 'static,
    E: Into<TokenError>,
{
    fn token(&self) -> BoxFuture<Result<TokenCode, TokenError>> {
        let code = self();
        Box::pin(async move { code.await.map_err(Into::into) })
    }
}

/// How MFA codes are used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum MfaStrategy {
    /// A code with every AssumeRole call (each refresh asks the provider).
    #[default]
    EachAssume,
    /// One code for an MFA session (`GetSessionToken`) that assumes the role: its
    /// refreshes need no new code while the MFA session lives.
    SessionToken {
        /// How long the MFA session lives (900 s to 36 h).
        duration: Duration,
    },
}

/// An MFA device, the provider of its codes and how they are used.
#[derive(Clone)]
pub(crate) struct Mfa {
    pub(crate) serial: MfaSerial,
    pub(crate) provider: Arc<dyn TokenProvider>,
    pub(crate) strategy: MfaStrategy,
}

impl Mfa {
    /// A code from the provider, asked only now that STS needs one.
    pub(crate) async fn code(&self, role: &RoleArn) -> Result<TokenCode, Error> {
        self.provider.token().await.map_err(|e| Error::MfaToken {
            role: role.clone(),
            serial: self.serial.clone(),
            source: crate::error::SharedSource::from_boxed(e),
        })
    }
}

/// Opens an MFA session: `GetSessionToken` with a `code` of the device `serial`,
/// signed with `base`'s credentials (an IAM user's long-term keys), lasting
/// `duration` (900 s to 36 h). Roles assumed with its credentials see the MFA, so
/// one code serves every role while it lives; `role` is the role it is opened
/// for, named in errors. [`MfaStrategy::SessionToken`] opens and refreshes one
/// inside a session; this is the same call for a session kept elsewhere (the
/// `xrole` command caches it for every process of the user).
pub async fn mfa_session(
    base: &SdkConfig,
    role: &RoleArn,
    serial: &MfaSerial,
    code: &TokenCode,
    duration: Duration,
) -> Result<aws_credential_types::Credentials, Error> {
    let source = base.credentials_provider().ok_or_else(|| Error::Config {
        role: role.clone(),
        problem: ConfigProblem::NoCredentialsProvider,
    })?;
    get_session_token(&sts_client(base, source), role, serial, code, duration).await
}

/// The `GetSessionToken` call of an MFA session.
async fn get_session_token(
    sts: &aws_sdk_sts::Client,
    role: &RoleArn,
    serial: &MfaSerial,
    code: &TokenCode,
    duration: Duration,
) -> Result<aws_credential_types::Credentials, Error> {
    let out = sts
        .get_session_token()
        .serial_number(serial.as_str())
        .token_code(code.expose())
        .duration_seconds(duration.as_secs().try_into().unwrap_or(i32::MAX))
        .send()
        .await
        .map_err(|e| Error::from_sdk(role, "GetSessionToken", e))?;
    credentials_from(out.credentials(), role, "GetSessionToken")
}

/// An engine for the MFA session (`GetSessionToken` with a code) under a role.
pub(crate) fn mfa_session_engine(
    role: &RoleArn,
    sts_base: &SdkConfig,
    source: SharedCredentialsProvider,
    mfa: Mfa,
    duration: Duration,
    time: SharedTimeSource,
    sleep: SharedAsyncSleep,
) -> Engine {
    let sts = sts_client(sts_base, source);
    let role_for_errors = role.clone();
    let fetch: Fetch = Arc::new(move || {
        let sts = sts.clone();
        let mfa = mfa.clone();
        let role = role_for_errors.clone();
        Box::pin(async move {
            let code = mfa.code(&role).await?;
            get_session_token(&sts, &role, &mfa.serial, &code, duration).await
        })
    });
    Engine::new(
        role.clone(),
        // GetSessionToken names no session: the logs of its engine say this.
        SessionName::from_static("mfa-session"),
        fetch,
        time,
        sleep,
        None,
    )
}
