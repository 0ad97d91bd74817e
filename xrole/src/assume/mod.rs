//! The `AssumeRole` builder and the [`Source`] it assumes a role with: every
//! AssumeRole parameter, checked before any call.
//!
//! - [`call`]: one AssumeRole call and its answer;
//! - [`mfa`]: MFA codes and the MFA session strategy;
//! - [`session`]: starting a session's refresh engine;
//! - [`web_identity`]: the web identity source and its tokens.

mod call;
mod client;
mod mfa;
mod session;
mod shared;
mod web_identity;

use std::sync::{Arc, RwLock};

use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_types::SdkConfig;
use xrole_core::{
    ExternalId, MfaSerial, PolicyArns, Region, RoleArn, RoleSpec, RoleSpecBuilder, SessionDuration,
    SessionName, SessionPolicy, SessionTags, SourceIdentity, TransitiveTagKeys,
    WebIdentityParameters,
};

pub(crate) use mfa::Mfa;
pub use mfa::{MfaStrategy, TokenError, TokenProvider, mfa_session};
pub use shared::live_sessions;
pub(crate) use web_identity::WebIdentityKey;
pub use web_identity::{IdentityTokenProvider, TokenClaims, WebIdentity};

use crate::refresh::EngineProvider;
use crate::role::AssumedRole;
use crate::{ConfigProblem, Error};

/// Where a session's source credentials come from: what every `assume` takes
/// (see the [crate documentation](crate#one-vocabulary-declare-then-assume)).
/// `&SdkConfig` and `&AssumedRole` convert into it.
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub enum Source<'a> {
    /// Where the declaration says: a [`ProfileChain`](crate::ProfileChain)'s
    /// `source_profile`; for anything else the process's base configuration
    /// ([`set_base_config`](crate::set_base_config), else aws-config's defaults:
    /// environment, profiles, instance roles).
    #[default]
    Default,
    /// The credentials of this configuration (any source aws-config supports),
    /// with its region, endpoint, clock and HTTP client.
    Config(&'a SdkConfig),
    /// Another session (role chaining): each hop keeps its own refreshing session,
    /// and a chained session lasts at most an hour.
    Role(&'a AssumedRole),
    /// A web identity token (GitHub Actions, EKS, any OIDC issuer), traded with
    /// `AssumeRoleWithWebIdentity` at every refresh.
    WebIdentity(&'a WebIdentity),
}

/// What a session's STS calls stand on: credentials that sign them, or a web
/// identity token presented in each (unsigned) call.
#[derive(Clone)]
pub(crate) enum Upstream {
    Credentials(SharedCredentialsProvider),
    WebIdentity(WebIdentity),
}

/// The process's base configuration, once set or loaded.
static BASE: RwLock<Option<SdkConfig>> = RwLock::new(None);

/// The base configuration of [`Source::Default`] (outside profile chains): the one
/// given to [`set_base_config`](crate::set_base_config), else aws-config's
/// defaults (environment, profiles, instance roles), loaded once.
pub(crate) async fn default_base() -> SdkConfig {
    if let Some(config) = BASE.read().unwrap_or_else(|p| p.into_inner()).clone() {
        return config;
    }
    let loaded = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    #[cfg(not(feature = "sso"))]
    let loaded = crate::profile::without_sso(
        loaded,
        &aws_types::os_shim_internal::Env::real(),
        &aws_runtime::env_config::file::EnvConfigFiles::default(),
    )
    .await;
    let mut slot = BASE.write().unwrap_or_else(|p| p.into_inner());
    slot.get_or_insert(loaded).clone()
}

pub(crate) fn set_default_base(config: SdkConfig) {
    *BASE.write().unwrap_or_else(|p| p.into_inner()) = Some(config);
}

impl<'a> From<&'a SdkConfig> for Source<'a> {
    fn from(config: &'a SdkConfig) -> Self {
        Self::Config(config)
    }
}

impl<'a> From<&'a AssumedRole> for Source<'a> {
    fn from(role: &'a AssumedRole) -> Self {
        Self::Role(role)
    }
}

impl<'a> From<&'a WebIdentity> for Source<'a> {
    fn from(source: &'a WebIdentity) -> Self {
        Self::WebIdentity(source)
    }
}

/// Assumes one role: every AssumeRole parameter, checked before any call.
///
/// ```no_run
/// # async fn demo(base: &aws_types::SdkConfig) -> Result<(), xrole::Error> {
/// let role = xrole::AssumeRole::new("arn:aws:iam::222222222222:role/CrossAccountAccessRole".parse()?)
///     .session_name("deploy".parse()?)
///     .external_id("my-secret-external-id-1234".parse()?)
///     .duration("1h".parse()?)
///     .assume(base)
///     .await?;
/// let config = role.sdk_config(); // any AWS SDK client: aws_sdk_s3::Client::new(config)
/// # let _ = config; Ok(()) }
/// ```
#[derive(Clone)]
pub struct AssumeRole {
    /// The call's parameters; the trusted principals and permissions are not sent
    /// to STS.
    spec: RoleSpecBuilder,
    /// The provider of the MFA device's codes; the device is the spec's
    /// `mfa_serial`. Each part is kept apart so that their order does not matter.
    mfa_token: Option<Arc<dyn TokenProvider>>,
    mfa_strategy: Option<MfaStrategy>,
    sts_endpoint: Option<String>,
    eager: bool,
    shared: bool,
}

impl std::fmt::Debug for AssumeRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let spec = self.spec.spec();
        f.debug_struct("AssumeRole")
            .field("role", spec.role())
            .field("session_name", &spec.session_name())
            .field("external_id", &spec.external_id())
            .field("duration", &spec.duration())
            .field("mfa_serial", &spec.mfa_serial())
            .field("mfa_strategy", &self.mfa_strategy)
            .field("tags", spec.tags())
            .field("source_identity", &spec.source_identity())
            .field("region", &spec.region())
            .field("sts_endpoint", &self.sts_endpoint)
            .field("eager", &self.eager)
            .field("shared", &self.shared)
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
    /// [`mfa_token`](Self::mfa_token) when it declares a device).
    pub fn from_spec(spec: &RoleSpec) -> Self {
        Self {
            spec: spec.to_builder(),
            mfa_token: None,
            mfa_strategy: None,
            sts_endpoint: None,
            eager: false,
            shared: false,
        }
    }

    /// `RoleSessionName` (default: [`default_session_name`]).
    pub fn session_name(mut self, name: SessionName) -> Self {
        self.spec = self.spec.session_name(name);
        self
    }
    /// `ExternalId`.
    pub fn external_id(mut self, id: ExternalId) -> Self {
        self.spec = self.spec.external_id(id);
        self
    }
    /// `DurationSeconds` (STS's default is one hour).
    pub fn duration(mut self, duration: SessionDuration) -> Self {
        self.spec = self.spec.duration(duration);
        self
    }
    /// `SerialNumber`: the MFA device whose code the call carries (the
    /// attribute's `mfa_serial`). Its codes come from [`mfa_token`](Self::mfa_token).
    pub fn mfa_serial(mut self, serial: MfaSerial) -> Self {
        self.spec = self.spec.mfa_serial(serial);
        self
    }
    /// The provider of the MFA device's codes, asked only when STS needs one (the
    /// attribute's `mfa_token`).
    pub fn mfa_token(mut self, provider: impl TokenProvider + 'static) -> Self {
        self.mfa_token = Some(Arc::new(provider));
        self
    }
    /// [`mfa_token`](Self::mfa_token) with a provider already shared.
    pub(crate) fn mfa_token_shared(mut self, provider: Arc<dyn TokenProvider>) -> Self {
        self.mfa_token = Some(provider);
        self
    }
    /// How MFA codes are used (in any order with the device and its codes; without
    /// a device it changes nothing).
    pub fn mfa_strategy(mut self, strategy: MfaStrategy) -> Self {
        self.mfa_strategy = Some(strategy);
        self
    }
    /// The MFA device, its codes and their use, when the call carries MFA.
    pub(crate) fn mfa(&self) -> Option<Mfa> {
        Some(Mfa {
            serial: self.spec.spec().mfa_serial()?.clone(),
            provider: self.mfa_token.clone()?,
            strategy: self.mfa_strategy.unwrap_or_default(),
        })
    }
    /// Session tags.
    pub fn tags(mut self, tags: SessionTags) -> Self {
        self.spec = self.spec.tags(tags);
        self
    }
    /// Tag keys that pass on to sessions chained from this one.
    pub fn transitive_tag_keys(mut self, keys: TransitiveTagKeys) -> Self {
        self.spec = self.spec.transitive_tag_keys(keys);
        self
    }
    /// `SourceIdentity`.
    pub fn source_identity(mut self, identity: SourceIdentity) -> Self {
        self.spec = self.spec.source_identity(identity);
        self
    }
    /// An inline session policy.
    pub fn session_policy(mut self, policy: SessionPolicy) -> Self {
        self.spec = self.spec.session_policy(policy);
        self
    }
    /// Managed session policies.
    pub fn policy_arns(mut self, arns: PolicyArns) -> Self {
        self.spec = self.spec.policy_arns(arns);
        self
    }
    /// The region of the STS endpoint and of the clients (default: the source's).
    pub fn region(mut self, region: Region) -> Self {
        self.spec = self.spec.region(region);
        self
    }
    /// An STS endpoint URL (default: the source's, else the regional endpoint).
    pub fn sts_endpoint(mut self, url: impl Into<String>) -> Self {
        self.sts_endpoint = Some(url.into());
        self
    }
    /// Load the first credentials in [`assume`](Self::assume), so that a refusal is
    /// its error (default: the first request loads them, and fails with it).
    pub fn eager(mut self, eager: bool) -> Self {
        self.eager = eager;
        self
    }
    /// Share the session process-wide (see [`registry`](crate::registry)):
    /// [`assume`](Self::assume) returns the live session of the same parameters and
    /// the same source credentials if there is one (default: a session of its own).
    pub fn shared(mut self, shared: bool) -> Self {
        self.shared = shared;
        self
    }

    /// The role.
    pub fn role(&self) -> &RoleArn {
        self.spec.spec().role()
    }

    pub(crate) fn is_eager(&self) -> bool {
        self.eager
    }

    /// The same parameters for another role (fleets).
    pub(crate) fn with_role(mut self, role: RoleArn) -> Self {
        self.spec = self.spec.role(role);
        self
    }

    /// Assumes the role with `source`'s credentials: a `&SdkConfig`, an
    /// `&AssumedRole` (role chaining), or [`Source::Default`]. Every parameter is
    /// checked first; with [`eager`](Self::eager) the first credentials are loaded
    /// too.
    pub async fn assume<'a>(self, source: impl Into<Source<'a>>) -> Result<AssumedRole, Error> {
        let loaded;
        let mut web_identity = None;
        let (base, parent) = match source.into() {
            Source::Default => {
                loaded = default_base().await;
                (&loaded, None)
            }
            Source::Config(base) => (base, None),
            Source::Role(parent) => (parent.base_config(), Some(parent)),
            Source::WebIdentity(w) => {
                web_identity = Some(w.clone());
                match w.base() {
                    Some(base) => (base, None),
                    None => {
                        loaded = default_base().await;
                        (&loaded, None)
                    }
                }
            }
        };
        self.check(parent.map(AssumedRole::role))?;
        let provider = match (web_identity, parent) {
            (Some(w), _) => {
                self.check_web_identity()?;
                Upstream::WebIdentity(w)
            }
            (None, Some(parent)) => Upstream::Credentials(SharedCredentialsProvider::new(
                EngineProvider(parent.engine().clone()),
            )),
            (None, None) => {
                Upstream::Credentials(base.credentials_provider().ok_or_else(|| Error::Config {
                    role: self.role().clone(),
                    problem: ConfigProblem::NoCredentialsProvider,
                })?)
            }
        };
        if self.shared {
            shared::shared(self, base, provider, parent).await
        } else {
            self.start(base, provider, parent).await
        }
    }

    /// What makes two sessions the same: every parameter sent to STS (the session
    /// name as it will be sent, the MFA device and how codes are used), the STS
    /// endpoint, and the base's region and endpoint. The registry adds the source
    /// credentials' identity.
    pub(crate) fn session_key(&self, base: &SdkConfig) -> SessionKey {
        let call = self.spec.spec().call_parameters();
        let session_name = call
            .session_name()
            .cloned()
            .unwrap_or_else(default_session_name);
        SessionKey {
            call,
            session_name,
            mfa: self.mfa().map(|m| (m.serial, m.strategy)),
            sts_endpoint: self.sts_endpoint.clone(),
            base_region: base.region().map(|r| r.as_ref().to_owned()),
            base_endpoint: base.endpoint_url().map(str::to_owned),
        }
    }

    /// `AssumeRoleWithWebIdentity` takes no external id, MFA, session tags or
    /// source identity (the token carries tags and source identity, as claims):
    /// say so before any call ([`WebIdentityParameters`], the attribute's rule too).
    fn check_web_identity(&self) -> Result<(), Error> {
        let spec = self.spec.spec();
        let mut declared = WebIdentityParameters::of(spec);
        declared.mfa |= self.mfa_token.is_some();
        declared.check().map_err(|e| Error::Config {
            role: spec.role().clone(),
            problem: ConfigProblem::WebIdentity(e),
        })
    }

    /// Checks the rules that span parameters, before any call.
    fn check(&self, chained_from: Option<&RoleArn>) -> Result<(), Error> {
        let spec = self.spec.spec();
        let config_error = |problem| Error::Config {
            role: spec.role().clone(),
            problem,
        };
        if let Some(Mfa {
            strategy: MfaStrategy::SessionToken { duration },
            ..
        }) = &self.mfa()
            && !SessionDuration::SESSION_TOKEN_SECS.contains(&duration.as_secs())
        {
            return Err(config_error(ConfigProblem::MfaSessionDuration {
                requested: *duration,
            }));
        }
        // STS would refuse without a code, after a call: say so now.
        if let (Some(serial), None) = (spec.mfa_serial(), &self.mfa_token) {
            return Err(config_error(ConfigProblem::MfaTokenMissing {
                serial: serial.clone(),
            }));
        }
        if let (None, Some(_)) = (spec.mfa_serial(), &self.mfa_token) {
            return Err(config_error(ConfigProblem::MfaSerialMissing));
        }
        // Re-validate collections a `const` may have built unchecked; only the
        // parameters of the call count here, not the trust and permissions.
        spec.call_parameters().validate()?;
        if let (Some(source_role), Some(requested)) = (chained_from, spec.duration())
            && requested.check_chained().is_err()
        {
            return Err(Error::ChainedDuration {
                role: spec.role().clone(),
                source_role: source_role.clone(),
                requested,
            });
        }
        Ok(())
    }
}

/// Everything that makes one session differ from another, as typed values (see
/// [`AssumeRole::session_key`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct SessionKey {
    call: RoleSpec,
    session_name: SessionName,
    mfa: Option<(MfaSerial, MfaStrategy)>,
    sts_endpoint: Option<String>,
    base_region: Option<String>,
    base_endpoint: Option<String>,
}

/// Who assumes a session, for the registry: the source credentials' access key
/// id, or the web identity source.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum SourceKey {
    AccessKey(String),
    WebIdentity(WebIdentityKey),
}

/// The upstream's identity, when it can be known now: credentials are resolved
/// once; a custom token provider has none.
pub(crate) async fn source_key(upstream: &Upstream) -> Option<SourceKey> {
    match upstream {
        Upstream::Credentials(provider) => provider
            .provide_credentials()
            .await
            .ok()
            .map(|c| SourceKey::AccessKey(c.access_key_id().to_owned())),
        Upstream::WebIdentity(w) => w.key().map(SourceKey::WebIdentity),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use xrole_core::TokenCode;

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
    fn the_mfa_strategy_holds_in_either_order() {
        let b = base("us-east-1", None);
        let code = || async { "123456".parse::<TokenCode>().map_err(|e| e.to_string()) };
        let serial: MfaSerial = "arn:aws:iam::111111111111:mfa/alice".parse().unwrap();
        let strategy = MfaStrategy::SessionToken {
            duration: Duration::from_secs(3600),
        };
        let after = request()
            .mfa_serial(serial.clone())
            .mfa_token(code)
            .mfa_strategy(strategy);
        let before = request()
            .mfa_strategy(strategy)
            .mfa_token(code)
            .mfa_serial(serial);
        assert_eq!(after.mfa().map(|m| m.strategy), Some(strategy));
        assert_eq!(before.mfa().map(|m| m.strategy), Some(strategy));
        assert!(after.session_key(&b) == before.session_key(&b));
        // Without a device the strategy changes nothing: a caller may set one for
        // every role it assumes.
        let plain = request().mfa_strategy(strategy);
        assert!(plain.mfa().is_none());
        // Codes with no device to use them are a mistake, said before any call.
        let Err(e @ Error::Config { .. }) = request().mfa_token(code).check(None) else {
            panic!("a token provider without a device is refused");
        };
        assert!(
            matches!(
                &e,
                Error::Config {
                    problem: ConfigProblem::MfaSerialMissing,
                    ..
                }
            ),
            "{e}"
        );
        assert!(e.to_string().contains(".mfa_serial("), "{e}");
        assert!(plain.session_key(&b) == request().session_key(&b));
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
            ("mfa", request().mfa_serial(serial.clone()).mfa_token(code)),
            (
                "mfa strategy",
                request().mfa_serial(serial).mfa_token(code).mfa_strategy(MfaStrategy::SessionToken {
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
