//! The `AssumeRole` builder and the sessions it makes.

use std::sync::Arc;
use std::time::Duration;

use aws_config::identity::IdentityCache;
use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sdk_sts::error::ProvideErrorMetadata;
use aws_smithy_async::rt::sleep::{SharedAsyncSleep, default_async_sleep};
use aws_smithy_async::time::{SharedTimeSource, SystemTimeSource};
use aws_types::SdkConfig;
use xrole_core::{
    ExternalId, MfaSerial, PolicyArns, PrincipalArn, Region, RoleArn, RoleSpec, SessionDuration,
    SessionName, SessionPolicy, SessionTags, SourceIdentity, TokenCode, TransitiveTagKeys,
};

use crate::Error;
use crate::error::AccessDenied;
use crate::refresh::{BoxFuture, Engine, EngineProvider, Fetch};
use crate::role::AssumedRole;

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

#[derive(Clone)]
struct Mfa {
    serial: MfaSerial,
    provider: Arc<dyn TokenProvider>,
    strategy: MfaStrategy,
}

/// Assumes one role: every AssumeRole parameter, checked before any call.
///
/// ```no_run
/// # async fn demo(base: &aws_types::SdkConfig) -> Result<(), xrole::Error> {
/// let role = xrole::AssumeRole::new("arn:aws:iam::222222222222:role/CrossAccountAccessRole".parse()?)
///     .session_name("deploy".parse()?)
///     .external_id("my-secret-external-id-1234".parse()?)
///     .duration("1h".parse()?)
///     .build(base)
///     .await?;
/// let config = role.sdk_config(); // any AWS SDK client: aws_sdk_s3::Client::new(config)
/// # let _ = config; Ok(()) }
/// ```
#[derive(Clone)]
pub struct AssumeRole {
    /// The call's parameters; `trusted` and `permissions` are not sent to STS.
    spec: RoleSpec,
    mfa: Option<Mfa>,
    sts_endpoint: Option<String>,
    eager: bool,
}

impl std::fmt::Debug for AssumeRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AssumeRole")
            .field("role", &self.spec.role)
            .field("session_name", &self.spec.session_name)
            .field("external_id", &self.spec.external_id)
            .field("duration", &self.spec.duration)
            .field("mfa_serial", &self.mfa.as_ref().map(|m| &m.serial))
            .field("tags", &self.spec.tags)
            .field("source_identity", &self.spec.source_identity)
            .field("region", &self.spec.region)
            .field("sts_endpoint", &self.sts_endpoint)
            .finish_non_exhaustive()
    }
}

/// A valid session name derived from the program: `xrole-` and the executable's
/// name, with characters STS refuses replaced by `-`.
pub fn default_session_name() -> SessionName {
    let program = std::env::current_exe()
        .ok()
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_default();
    let cleaned: String = format!("xrole-{program}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "+=,.@_-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .take(SessionName::MAX_LEN)
        .collect();
    SessionName::parse(cleaned.trim_end_matches('-')).unwrap_or(SessionName::from_static("xrole"))
}

impl AssumeRole {
    /// Assumes `role` with STS's defaults and a session name derived from the program.
    pub fn new(role: RoleArn) -> Self {
        Self::from_spec(&RoleSpec::new(role))
    }

    /// Everything a [`RoleSpec`] declares (add the MFA token provider with
    /// [`mfa`](Self::mfa) when it declares a device).
    pub fn from_spec(spec: &RoleSpec) -> Self {
        Self {
            spec: spec.clone(),
            mfa: None,
            sts_endpoint: None,
            eager: false,
        }
    }

    /// `RoleSessionName` (default: [`default_session_name`]).
    pub fn session_name(mut self, name: SessionName) -> Self {
        self.spec.session_name = Some(name);
        self
    }
    /// `ExternalId`.
    pub fn external_id(mut self, id: ExternalId) -> Self {
        self.spec.external_id = Some(id);
        self
    }
    /// `DurationSeconds` (STS's default is one hour).
    pub fn duration(mut self, duration: SessionDuration) -> Self {
        self.spec.duration = Some(duration);
        self
    }
    /// MFA: the device and a provider of its codes, asked only when STS needs one.
    pub fn mfa(mut self, serial: MfaSerial, provider: impl TokenProvider + 'static) -> Self {
        self.spec.mfa_serial = Some(serial.clone());
        self.mfa = Some(Mfa {
            serial,
            provider: Arc::new(provider),
            strategy: MfaStrategy::default(),
        });
        self
    }
    /// How MFA codes are used (with [`mfa`](Self::mfa)).
    pub fn mfa_strategy(mut self, strategy: MfaStrategy) -> Self {
        if let Some(m) = &mut self.mfa {
            m.strategy = strategy;
        }
        self
    }
    /// Session tags.
    pub fn tags(mut self, tags: SessionTags) -> Self {
        self.spec.tags = tags;
        self
    }
    /// Tag keys that pass on to sessions chained from this one.
    pub fn transitive_tag_keys(mut self, keys: TransitiveTagKeys) -> Self {
        self.spec.transitive_tag_keys = keys;
        self
    }
    /// `SourceIdentity`.
    pub fn source_identity(mut self, identity: SourceIdentity) -> Self {
        self.spec.source_identity = Some(identity);
        self
    }
    /// An inline session policy.
    pub fn session_policy(mut self, policy: SessionPolicy) -> Self {
        self.spec.session_policy = Some(policy);
        self
    }
    /// Managed session policies.
    pub fn policy_arns(mut self, arns: PolicyArns) -> Self {
        self.spec.policy_arns = arns;
        self
    }
    /// The region of the STS endpoint and of the clients (default: the base's).
    pub fn region(mut self, region: Region) -> Self {
        self.spec.region = Some(region);
        self
    }
    /// An STS endpoint URL (default: the base's, else the regional endpoint).
    pub fn sts_endpoint(mut self, url: impl Into<String>) -> Self {
        self.sts_endpoint = Some(url.into());
        self
    }
    /// Load the first credentials in `build` (default: on first use).
    pub fn eager(mut self, eager: bool) -> Self {
        self.eager = eager;
        self
    }

    /// The role.
    pub fn role(&self) -> &RoleArn {
        &self.spec.role
    }

    /// The same parameters for another role (fleets).
    pub(crate) fn with_role(mut self, role: RoleArn) -> Self {
        self.spec.role = role;
        self
    }

    pub(crate) fn is_eager(&self) -> bool {
        self.eager
    }

    /// The session shared process-wide for these parameters and `base`'s
    /// credentials (see [`registry`](crate::registry)).
    pub async fn shared(self, base: &SdkConfig) -> Result<AssumedRole, Error> {
        crate::registry::shared(self, base).await
    }

    /// What makes two sessions the same: every parameter sent to STS (the session
    /// name as it will be sent, the MFA device and how codes are used), the STS
    /// endpoint, and the base's region and endpoint. The registry adds the source
    /// credentials' identity.
    pub(crate) fn session_key(&self, base: &SdkConfig) -> SessionKey {
        let mut call = self.spec.clone();
        // Not sent to STS: they describe the policies, not the session.
        call.trusted = Default::default();
        call.permissions = Default::default();
        call.chained = false;
        call.session_name = Some(call.session_name.unwrap_or_else(default_session_name));
        SessionKey {
            call,
            mfa: self.mfa.as_ref().map(|m| (m.serial.clone(), m.strategy)),
            sts_endpoint: self.sts_endpoint.clone(),
            base_region: base.region().map(|r| r.as_ref().to_owned()),
            base_endpoint: base.endpoint_url().map(str::to_owned),
        }
    }

    /// Checks the rules that span parameters, before any call.
    fn check(&self, chained_from: Option<&RoleArn>) -> Result<(), Error> {
        if let Some(Mfa {
            strategy: MfaStrategy::SessionToken { duration },
            ..
        }) = &self.mfa
            && !SessionDuration::SESSION_TOKEN_SECS.contains(&duration.as_secs())
        {
            return Err(Error::Config {
                role: self.spec.role.clone(),
                message: format!(
                    "an MFA session lasts {} to {} seconds, {} were asked",
                    SessionDuration::SESSION_TOKEN_SECS.start(),
                    SessionDuration::SESSION_TOKEN_SECS.end(),
                    duration.as_secs()
                ),
            });
        }
        // STS would refuse without a code, after a call: say so now.
        if let (Some(serial), None) = (&self.spec.mfa_serial, &self.mfa) {
            return Err(Error::Config {
                role: self.spec.role.clone(),
                message: format!(
                    "the role declares the MFA device {serial} but no token provider supplies its codes: add .mfa(serial, provider)"
                ),
            });
        }
        // Re-validate collections a `const` may have built unchecked; only the
        // parameters of the call count here, not the trust and permissions.
        let mut spec = self.spec.clone();
        spec.trusted = Default::default();
        spec.permissions = Default::default();
        spec.chained = false;
        spec.validate()?;
        if let (Some(source_role), Some(requested)) = (chained_from, self.spec.duration)
            && requested.check_chained().is_err()
        {
            return Err(Error::ChainedDuration {
                role: self.spec.role.clone(),
                source_role: source_role.clone(),
                requested,
            });
        }
        Ok(())
    }

    /// Assumes the role with the credentials of `base` (any source aws-config
    /// supports: environment, profiles, instance roles, ...).
    pub async fn build(self, base: &SdkConfig) -> Result<AssumedRole, Error> {
        self.check(None)?;
        let source = base.credentials_provider().ok_or_else(|| Error::Config {
            role: self.spec.role.clone(),
            message: "the base configuration has no credentials provider".into(),
        })?;
        self.start(base, source, None, None).await
    }

    /// Assumes the role with the credentials of another assumed role (role
    /// chaining): each hop keeps its own refreshing session.
    pub async fn build_from(self, source: &AssumedRole) -> Result<AssumedRole, Error> {
        self.check(Some(source.role()))?;
        let provider = SharedCredentialsProvider::new(EngineProvider(source.engine().clone()));
        let parent = source.engine().clone();
        let on_expired: Arc<dyn Fn() + Send + Sync> = Arc::new(move || parent.invalidate());
        self.start(
            source.base_config(),
            provider,
            Some(on_expired),
            Some(source.clone()),
        )
        .await
    }

    async fn start(
        self,
        base: &SdkConfig,
        source: SharedCredentialsProvider,
        on_source_expired: Option<Arc<dyn Fn() + Send + Sync>>,
        parent: Option<AssumedRole>,
    ) -> Result<AssumedRole, Error> {
        let time = base
            .time_source()
            .unwrap_or_else(|| SharedTimeSource::new(SystemTimeSource::new()));
        let sleep = base
            .sleep_impl()
            .or_else(default_async_sleep)
            .ok_or_else(|| Error::Config {
                role: self.spec.role.clone(),
                message: "no async sleep implementation (enable aws-config's rt-tokio)".into(),
            })?;
        // Clients of the session use the base's settings (and the role's region);
        // an STS endpoint override applies to the STS calls only.
        let mut client_config = base.to_builder();
        if let Some(region) = &self.spec.region {
            client_config =
                client_config.region(aws_types::region::Region::new(region.to_string()));
        }
        let client_base = client_config.build();
        let mut sts_config = client_base.to_builder();
        if let Some(url) = &self.sts_endpoint {
            sts_config = sts_config.endpoint_url(url.clone());
        }
        let sts_base = sts_config.build();
        if sts_base.region().is_none() {
            return Err(Error::Config {
                role: self.spec.role.clone(),
                message: "no region: set one on the base configuration or with .region(...)".into(),
            });
        }
        // The MFA session strategy puts a GetSessionToken session between the source
        // and the role.
        let (source, on_source_expired, mfa_for_calls) = match &self.mfa {
            Some(m) if matches!(m.strategy, MfaStrategy::SessionToken { .. }) => {
                let duration = match m.strategy {
                    MfaStrategy::SessionToken { duration } => duration,
                    MfaStrategy::EachAssume => Duration::from_secs(43_200),
                };
                let engine = mfa_session_engine(
                    &self.spec.role,
                    &sts_base,
                    source,
                    m.clone(),
                    duration,
                    time.clone(),
                    sleep.clone(),
                );
                let provider = SharedCredentialsProvider::new(EngineProvider(engine.clone()));
                let invalidate: Arc<dyn Fn() + Send + Sync> = Arc::new(move || engine.invalidate());
                (provider, Some(invalidate), None)
            }
            other => (source, on_source_expired, other.clone()),
        };
        let sts = aws_sdk_sts::Client::from_conf(
            aws_sdk_sts::config::Builder::from(
                &sts_base
                    .to_builder()
                    .credentials_provider(source)
                    .identity_cache(IdentityCache::no_cache())
                    .build(),
            )
            .build(),
        );
        let session_name = self
            .spec
            .session_name
            .clone()
            .unwrap_or_else(default_session_name);
        let params = Arc::new(Params {
            request: self.clone(),
            session_name: session_name.clone(),
            mfa: mfa_for_calls,
        });
        let fetch: Fetch = Arc::new(move || {
            let sts = sts.clone();
            let params = params.clone();
            Box::pin(async move { params.assume(&sts).await })
        });
        let engine = Engine::new(
            self.spec.role.clone(),
            session_name.to_string(),
            fetch,
            time,
            sleep,
            on_source_expired,
        );
        let provider = SharedCredentialsProvider::new(EngineProvider(engine.clone()));
        let config = client_base
            .to_builder()
            .credentials_provider(provider)
            .identity_cache(IdentityCache::no_cache())
            .build();
        let role = AssumedRole::new(engine, config, client_base, parent);
        if self.eager {
            role.load().await?;
        }
        Ok(role)
    }
}

/// Everything that makes one session differ from another, as typed values (see
/// [`AssumeRole::session_key`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct SessionKey {
    call: RoleSpec,
    mfa: Option<(MfaSerial, MfaStrategy)>,
    sts_endpoint: Option<String>,
    base_region: Option<String>,
    base_endpoint: Option<String>,
}

/// The parameters of the AssumeRole calls of one session.
struct Params {
    request: AssumeRole,
    session_name: SessionName,
    mfa: Option<Mfa>,
}

impl Params {
    async fn assume(&self, sts: &aws_sdk_sts::Client) -> Result<Credentials, Error> {
        let r = &self.request;
        let span = tracing::info_span!("xrole.assume", role_arn = %r.spec.role, session_name = %self.session_name);
        let _entered = span.enter();
        let mut call = sts
            .assume_role()
            .role_arn(r.spec.role.as_str())
            .role_session_name(self.session_name.as_str());
        if let Some(id) = &r.spec.external_id {
            call = call.external_id(id.as_str());
        }
        if let Some(d) = r.spec.duration {
            call = call.duration_seconds(d.as_secs() as i32);
        }
        for tag in r.spec.tags.iter() {
            call = call.tags(
                aws_sdk_sts::types::Tag::builder()
                    .key(tag.key())
                    .value(tag.value())
                    .build()
                    .map_err(|e| Error::Config {
                        role: r.spec.role.clone(),
                        message: e.to_string(),
                    })?,
            );
        }
        for key in r.spec.transitive_tag_keys.iter() {
            call = call.transitive_tag_keys(key);
        }
        if let Some(si) = &r.spec.source_identity {
            call = call.source_identity(si.as_str());
        }
        if let Some(p) = &r.spec.session_policy {
            call = call.policy(p.as_str());
        }
        for arn in r.spec.policy_arns.iter() {
            call = call.policy_arns(
                aws_sdk_sts::types::PolicyDescriptorType::builder()
                    .arn(arn.as_str())
                    .build(),
            );
        }
        if let Some(m) = &self.mfa {
            // Asked only now, when STS needs the code.
            let code = m.provider.token().await.map_err(|e| Error::MfaToken {
                role: r.spec.role.clone(),
                serial: m.serial.clone(),
                source: crate::error::SharedSource::from_boxed(e),
            })?;
            call = call
                .serial_number(m.serial.as_str())
                .token_code(code.expose());
        }
        drop(_entered);
        let out = call.send().await.map_err(|e| self.error(e))?;
        credentials_from(out.credentials(), &r.spec.role)
    }

    fn error(
        &self,
        e: aws_sdk_sts::error::SdkError<aws_sdk_sts::operation::assume_role::AssumeRoleError>,
    ) -> Error {
        let r = &self.request;
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
                    role: r.spec.role.clone(),
                    caller,
                    action,
                    message,
                    external_id: r.spec.external_id.clone(),
                    mfa: self.mfa.is_some() || r.mfa.is_some(),
                    declared_trust: r.spec.trusted.to_vec(),
                }))
            }
            _ => Error::from_sdk(&r.spec.role, "AssumeRole", e),
        }
    }
}

fn credentials_from(
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

/// An engine for the MFA session (`GetSessionToken` with a code) under a role.
fn mfa_session_engine(
    role: &RoleArn,
    sts_base: &SdkConfig,
    source: SharedCredentialsProvider,
    mfa: Mfa,
    duration: Duration,
    time: SharedTimeSource,
    sleep: SharedAsyncSleep,
) -> Engine {
    let sts = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::config::Builder::from(
            &sts_base
                .to_builder()
                .credentials_provider(source)
                .identity_cache(IdentityCache::no_cache())
                .build(),
        )
        .build(),
    );
    let role_for_errors = role.clone();
    let fetch: Fetch = Arc::new(move || {
        let sts = sts.clone();
        let mfa = mfa.clone();
        let role = role_for_errors.clone();
        Box::pin(async move {
            let code = mfa.provider.token().await.map_err(|e| Error::MfaToken {
                role: role.clone(),
                serial: mfa.serial.clone(),
                source: crate::error::SharedSource::from_boxed(e),
            })?;
            let out = sts
                .get_session_token()
                .serial_number(mfa.serial.as_str())
                .token_code(code.expose())
                .duration_seconds(duration.as_secs() as i32)
                .send()
                .await
                .map_err(|e| Error::from_sdk(&role, "GetSessionToken", e))?;
            credentials_from(out.credentials(), &role)
        })
    });
    Engine::new(
        role.clone(),
        format!("mfa-session-for-{}", role.name()),
        fetch,
        time,
        sleep,
        None,
    )
}

/// Resolves a provider once (used to key the registry by source credentials).
pub(crate) async fn source_key(provider: &SharedCredentialsProvider) -> Option<String> {
    provider
        .provide_credentials()
        .await
        .ok()
        .map(|c| c.access_key_id().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(region: &str, endpoint: Option<&str>) -> SdkConfig {
        let mut b = SdkConfig::builder().region(aws_types::region::Region::new(region.to_owned()));
        if let Some(url) = endpoint {
            b = b.endpoint_url(url);
        }
        b.build()
    }

    fn request() -> AssumeRole {
        AssumeRole::new("arn:aws:iam::222222222222:role/R".parse().unwrap())
    }

    fn tags() -> SessionTags {
        SessionTags::new(vec![xrole_core::SessionTag::new("team", "a").unwrap()]).unwrap()
    }

    #[test]
    fn every_parameter_sent_to_sts_separates_sessions() {
        let b = base("us-east-1", None);
        let code = || async { "123456".parse::<TokenCode>().map_err(|e| e.to_string()) };
        let serial: MfaSerial = "arn:aws:iam::111111111111:mfa/alice".parse().unwrap();
        let variants: Vec<(&str, AssumeRole)> = vec![
            ("role", AssumeRole::new("arn:aws:iam::222222222222:role/Other".parse().unwrap())),
            ("session name", request().session_name("other".parse().unwrap())),
            ("external id", request().external_id("external-id-1".parse().unwrap())),
            ("duration", request().duration("2h".parse().unwrap())),
            ("mfa", request().mfa(serial.clone(), code)),
            (
                "mfa strategy",
                request().mfa(serial, code).mfa_strategy(MfaStrategy::SessionToken {
                    duration: Duration::from_secs(3600),
                }),
            ),
            ("tags", request().tags(tags())),
            (
                "transitive tag keys",
                request()
                    .tags(tags())
                    .transitive_tag_keys(TransitiveTagKeys::new(["team"]).unwrap()),
            ),
            ("source identity", request().source_identity("alice".parse().unwrap())),
            (
                "session policy",
                request().session_policy(
                    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#
                        .parse()
                        .unwrap(),
                ),
            ),
            (
                "policy arns",
                request().policy_arns(
                    PolicyArns::new(vec!["arn:aws:iam::aws:policy/ReadOnlyAccess".parse().unwrap()])
                        .unwrap(),
                ),
            ),
            ("region", request().region("eu-west-1".parse().unwrap())),
            ("sts endpoint", request().sts_endpoint("http://127.0.0.1:1")),
        ];
        let plain = request().session_key(&b);
        assert_eq!(
            plain,
            request().session_key(&b),
            "same parameters, same key"
        );
        let mut seen = vec![plain];
        for (what, variant) in variants {
            let key = variant.session_key(&b);
            assert!(!seen.contains(&key), "{what}: must give another session");
            seen.push(key);
        }
        let other_base = [
            base("eu-west-1", None),
            base("us-east-1", Some("http://127.0.0.1:2")),
        ];
        for b2 in &other_base {
            let key = request().session_key(b2);
            assert!(
                !seen.contains(&key),
                "base region and endpoint separate sessions"
            );
            seen.push(key);
        }
        // What is not sent to STS does not separate sessions.
        assert_eq!(
            request().eager(true).session_key(&b),
            request().session_key(&b)
        );
    }
}
