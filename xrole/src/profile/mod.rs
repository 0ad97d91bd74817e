//! Role profiles of the AWS config file, as the AWS CLI uses them: a profile with
//! `role_arn` assumes that role with the credentials of its `source_profile`, which
//! may itself be a role profile (role chaining).
//!
//! ```ini
//! [profile infra]
//! aws_access_key_id = AKIA...
//! aws_secret_access_key = ...
//!
//! [profile dev]
//! role_arn = arn:aws:iam::222222222222:role/InfraAssumeRole
//! source_profile = infra
//! ```
//!
//! A role profile with `web_identity_token_file` instead of `source_profile`
//! starts a chain with a web identity (as on EKS): its role is assumed with
//! `AssumeRoleWithWebIdentity` and the file's token, read again at every refresh.
//!
//! [`ProfileChain`] reads such a chain and assumes it with xrole's sessions: each
//! hop refreshes on its own with one STS call (aws-config's profile provider runs
//! every hop again for each refresh), and a chained hop asking for more than an
//! hour is refused before any call, where STS would answer `ValidationError`.

use std::borrow::Cow;
use std::fmt;
use std::path::PathBuf;

mod source;

pub use source::CredentialSource;
pub(crate) use source::is_final_source_failure;
#[cfg(not(feature = "sso"))]
pub(crate) use source::without_sso;
use source::{sso_credentials, sso_login};

use aws_config::profile::{Profile, ProfileSet};
use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
use aws_types::SdkConfig;
use aws_types::os_shim_internal::{Env, Fs};
use xrole_core::{ExternalId, MfaSerial, RoleArn, SessionDuration, SessionName};

use crate::{
    AssumeRole, AssumedRole, Error, MfaStrategy, ProfileProblem, SharedSource, Source,
    TokenProvider,
};

/// One role profile of a chain: the role and the parameters the profile gives.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProfileHop {
    /// The profile's name.
    pub profile: String,
    /// `role_arn`.
    pub role: RoleArn,
    /// `role_session_name`.
    pub session_name: Option<SessionName>,
    /// `external_id`.
    pub external_id: Option<ExternalId>,
    /// `duration_seconds`.
    pub duration: Option<SessionDuration>,
    /// `mfa_serial`.
    pub mfa_serial: Option<MfaSerial>,
}

/// A role profile resolved down to the profile that holds the source credentials.
#[derive(Clone)]
pub struct ProfileChain {
    files: EnvConfigFiles,
    source: String,
    hops: Vec<ProfileHop>,
    /// The first hop's `web_identity_token_file`, when the chain starts with one.
    web_identity: Option<PathBuf>,
    /// The first hop's `credential_source`, when the chain starts with one.
    credential_source: Option<CredentialSource>,
    /// How to sign in again, when the source profile is IAM Identity Center's.
    sso_login: Option<String>,
    /// The source profile's `credential_process` command, when it has one.
    credential_process: Option<String>,
    mfa: Option<std::sync::Arc<dyn TokenProvider>>,
    mfa_strategy: MfaStrategy,
}

impl fmt::Debug for ProfileChain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProfileChain")
            .field("source", &self.source)
            .field("hops", &self.hops)
            .field("web_identity", &self.web_identity)
            .field("credential_source", &self.credential_source)
            .field("sso_login", &self.sso_login)
            .field("credential_process", &self.credential_process)
            .field("mfa", &self.mfa.as_ref().map(|_| "token provider"))
            .field("mfa_strategy", &self.mfa_strategy)
            .finish()
    }
}

const CREDENTIAL_SOURCE: &str = "credential_source";
const SOURCE_PROFILE: &str = "source_profile";
const WEB_IDENTITY_TOKEN_FILE: &str = "web_identity_token_file";
/// `aws login`'s console credentials, which aws-config reads behind a feature
/// xrole does not take.
const LOGIN_SESSION: &str = "login_session";
const CREDENTIAL_PROCESS: &str = "credential_process";

impl ProfileChain {
    /// Reads `profile` from the default files (`~/.aws/config`, `~/.aws/credentials`,
    /// or `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE`).
    pub async fn load(profile: &str) -> Result<Self, Error> {
        Self::resolve(profile, EnvConfigFiles::default()).await
    }

    /// Reads `profile` from this config file only (`[profile NAME]` sections).
    pub async fn from_config_file(profile: &str, path: impl Into<PathBuf>) -> Result<Self, Error> {
        let files = EnvConfigFiles::builder()
            .with_file(EnvConfigFileKind::Config, path.into())
            .build();
        Self::resolve(profile, files).await
    }

    async fn resolve(profile: &str, files: EnvConfigFiles) -> Result<Self, Error> {
        let set = aws_config::profile::load(
            &Fs::real(),
            &Env::real(),
            &files,
            Some(Cow::Owned(profile.to_owned())),
        )
        .await
        .map_err(|e| profile_error(profile, ProfileProblem::Unreadable(SharedSource::new(e))))?;
        let Walked {
            source,
            hops,
            web_identity,
            credential_source,
        } = walk(&set, profile)?;
        let source_profile = set.get_profile(&source);
        if source_profile.is_some_and(|p| p.get(LOGIN_SESSION).is_some()) {
            return Err(profile_error(
                &source,
                ProfileProblem::UnreadSource {
                    key: LOGIN_SESSION,
                    why: "the console sign-in credentials of `aws login` are not read by xrole; use an sso_session, a credential_process or keys",
                },
            ));
        }
        let sso_login = source_profile.and_then(sso_login);
        // A chain whose first hop names its own source has no source
        // profile; an IAM Identity Center profile's credentials are the
        // portal's, whatever else it holds.
        let credential_process = source_profile
            .filter(|_| web_identity.is_none() && credential_source.is_none())
            .filter(|_| sso_login.is_none())
            .and_then(|p| p.get(CREDENTIAL_PROCESS))
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned);
        if sso_login.is_some() && !cfg!(feature = "sso") {
            return Err(profile_error(&source, ProfileProblem::SsoNotEnabled));
        }
        Ok(Self {
            files,
            source,
            hops,
            web_identity,
            credential_source,
            sso_login,
            credential_process,
            mfa: None,
            mfa_strategy: MfaStrategy::EachAssume,
        })
    }

    /// The profile whose credentials start the chain (for a chain that starts with
    /// a web identity, the profile that names the token file).
    pub fn source_profile(&self) -> &str {
        &self.source
    }

    /// The token file the first hop is assumed with, when the chain starts with a
    /// web identity (`web_identity_token_file`).
    pub fn web_identity_token_file(&self) -> Option<&std::path::Path> {
        self.web_identity.as_deref()
    }

    /// Where the first hop's credentials are, when its profile names a
    /// `credential_source` (the source profile is that role profile then).
    pub fn credential_source(&self) -> Option<CredentialSource> {
        self.credential_source
    }

    /// The source profile's `credential_process` command, when its
    /// credentials come from one (a caller may keep the process's output, as
    /// the `xrole` command does in its cache).
    pub fn credential_process(&self) -> Option<&str> {
        self.credential_process.as_deref()
    }

    /// The role profiles, in the order they are assumed (the requested one last).
    pub fn hops(&self) -> &[ProfileHop] {
        &self.hops
    }

    /// The token provider for hops whose profile names an `mfa_serial` (the
    /// attribute's and [`AssumeRole`]'s `mfa_token`).
    pub fn mfa_token(mut self, provider: impl TokenProvider + 'static) -> Self {
        self.mfa = Some(std::sync::Arc::new(provider));
        self
    }

    /// How the first hop uses its `mfa_serial` codes: with
    /// [`MfaStrategy::SessionToken`], one code opens an MFA session (GetSessionToken
    /// with the source profile's credentials) that assumes the first role at each
    /// refresh without a new code. Later hops are assumed with role credentials,
    /// which GetSessionToken does not take: their `mfa_serial` asks a code with each
    /// assume.
    pub fn mfa_strategy(mut self, strategy: MfaStrategy) -> Self {
        self.mfa_strategy = strategy;
        self
    }

    /// The MFA device an MFA session can serve: the first hop's `mfa_serial`.
    pub fn mfa_session_device(&self) -> Option<&MfaSerial> {
        self.hops.first().and_then(|hop| hop.mfa_serial.as_ref())
    }

    /// The source profile's configuration, as aws-config loads it (credentials,
    /// region, endpoint).
    pub async fn source_config(&self) -> SdkConfig {
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .profile_files(self.files.clone())
            .profile_name(&self.source);
        if let Some(source) = self.credential_source {
            loader = loader.credentials_provider(source.provider());
        }
        let config = loader.load().await;
        match (&self.sso_login, config.credentials_provider()) {
            (Some(login), Some(inner)) => config
                .to_builder()
                .credentials_provider(sso_credentials(inner, login.clone()))
                .build(),
            _ => config,
        }
    }

    /// Assumes every hop, each with the previous session's credentials (chained
    /// hops last at most an hour); the first with `source`'s: [`Source::Default`]
    /// is the source profile's, as aws-config loads it ([`source_config`](Self::source_config));
    /// a `&SdkConfig` replaces it (to set a time source, a sleep or an HTTP
    /// client); an `&AssumedRole` chains the whole profile chain from that session.
    pub async fn assume<'a>(&self, source: impl Into<Source<'a>>) -> Result<AssumedRole, Error> {
        self.assume_hops(source.into(), true).await
    }

    /// Assumes the chain on credentials of an MFA session already open for the
    /// first hop's device ([`mfa_session_device`](Self::mfa_session_device)), such
    /// as a process-wide cache keeps: the first hop sends no code, STS sees the
    /// session's MFA. Later hops use their codes as [`assume`](Self::assume) does.
    pub async fn assume_in_mfa_session(&self, session: &SdkConfig) -> Result<AssumedRole, Error> {
        self.assume_hops(Source::Config(session), false).await
    }

    async fn assume_hops(
        &self,
        mut source: Source<'_>,
        first_hop_mfa: bool,
    ) -> Result<AssumedRole, Error> {
        let source_profile;
        if let Source::Default = source {
            source_profile = self.source_config().await;
            source = Source::Config(&source_profile);
        }
        // A chain that starts with a web identity: its token file, with the
        // configuration's region, endpoint and clock.
        let web_identity;
        if let (Some(path), Source::Config(config)) = (&self.web_identity, source) {
            web_identity = crate::WebIdentity::token_file(path).config(config);
            source = Source::WebIdentity(&web_identity);
        }
        let mut session: Option<AssumedRole> = None;
        for hop in &self.hops {
            let first = session.is_none();
            let request = self.request(hop, !first || first_hop_mfa, first)?;
            session = Some(match &session {
                None => request.assume(source).await?,
                Some(previous) => request.assume(previous).await?,
            });
        }
        // `walk` returns at least one hop, so a session exists here.
        session.ok_or_else(|| profile_error(&self.source, ProfileProblem::NotARole))
    }

    /// The hop's AssumeRole request; its `mfa_serial` codes when `with_mfa`, used
    /// with the chain's strategy on the `first` hop (later hops ask each time).
    fn request(&self, hop: &ProfileHop, with_mfa: bool, first: bool) -> Result<AssumeRole, Error> {
        let mut request = AssumeRole::new(hop.role.clone());
        if let Some(name) = &hop.session_name {
            request = request.session_name(name.clone());
        }
        if let Some(id) = &hop.external_id {
            request = request.external_id(id.clone());
        }
        if let Some(duration) = hop.duration {
            request = request.duration(duration);
        }
        if let Some(serial) = hop.mfa_serial.as_ref().filter(|_| with_mfa) {
            let provider = self.mfa.clone().ok_or_else(|| {
                profile_error(
                    &hop.profile,
                    ProfileProblem::MfaTokenMissing {
                        serial: serial.clone(),
                    },
                )
            })?;
            request = request
                .mfa_serial(serial.clone())
                .mfa_token_shared(provider);
            if first {
                request = request.mfa_strategy(self.mfa_strategy);
            }
        }
        Ok(request)
    }
}

fn profile_error(profile: &str, problem: ProfileProblem) -> Error {
    Error::Profile {
        profile: profile.to_owned(),
        problem,
    }
}

/// A resolved chain: the profile that starts it, its role hops in the order they
/// are assumed, and the first hop's token file when a web identity starts it,
/// or its `credential_source`.
struct Walked {
    source: String,
    hops: Vec<ProfileHop>,
    web_identity: Option<PathBuf>,
    credential_source: Option<CredentialSource>,
}

/// Follows `source_profile` from `requested` to the profile holding credentials
/// (or naming a `web_identity_token_file`).
fn walk(set: &ProfileSet, requested: &str) -> Result<Walked, Error> {
    let mut hops = Vec::new();
    let mut visited: Vec<String> = Vec::new();
    let mut name = requested.to_owned();
    loop {
        let profile = set.get_profile(&name).ok_or_else(|| {
            let known = set.profiles().map(str::to_owned).collect();
            profile_error(&name, ProfileProblem::NoSuchProfile { known })
        })?;
        let Some(role) = profile.get("role_arn") else {
            if hops.is_empty() {
                return Err(profile_error(&name, ProfileProblem::NotARole));
            }
            break;
        };
        let named = |key| profile.get(key).map(str::trim).filter(|v| !v.is_empty());
        let sources: Vec<&'static str> =
            [SOURCE_PROFILE, WEB_IDENTITY_TOKEN_FILE, CREDENTIAL_SOURCE]
                .into_iter()
                .filter(|key| named(key).is_some())
                .collect();
        if let [a, b, ..] = sources[..] {
            return Err(profile_error(
                &name,
                ProfileProblem::TwoSources { keys: [a, b] },
            ));
        }
        hops.push(hop(&name, role, profile)?);
        if let Some(file) = named(WEB_IDENTITY_TOKEN_FILE) {
            hops.reverse();
            return Ok(Walked {
                source: name,
                hops,
                web_identity: Some(PathBuf::from(file)),
                credential_source: None,
            });
        }
        if let Some(value) = named(CREDENTIAL_SOURCE) {
            let source = CredentialSource::parse(value).ok_or_else(|| {
                profile_error(
                    &name,
                    ProfileProblem::UnknownCredentialSource {
                        value: value.to_owned(),
                    },
                )
            })?;
            hops.reverse();
            return Ok(Walked {
                source: name,
                hops,
                web_identity: None,
                credential_source: Some(source),
            });
        }
        visited.push(name.clone());
        let source = profile
            .get(SOURCE_PROFILE)
            .ok_or_else(|| profile_error(&name, ProfileProblem::NoSource))?;
        // A profile that is its own source holds the static keys the role is assumed with.
        if source == name && profile.get("aws_access_key_id").is_some() {
            break;
        }
        if visited.iter().any(|v| v == source) {
            visited.push(source.to_owned());
            return Err(profile_error(
                requested,
                ProfileProblem::Loop { chain: visited },
            ));
        }
        name = source.to_owned();
    }
    hops.reverse();
    Ok(Walked {
        source: name,
        hops,
        web_identity: None,
        credential_source: None,
    })
}

fn hop(name: &str, role: &str, profile: &Profile) -> Result<ProfileHop, Error> {
    let invalid = |key: &'static str, error: xrole_core::Error| {
        profile_error(name, ProfileProblem::Invalid { key, error })
    };
    let parse_opt = |key: &str| profile.get(key).map(str::trim).filter(|v| !v.is_empty());
    Ok(ProfileHop {
        profile: name.to_owned(),
        role: role.trim().parse().map_err(|e| invalid("role_arn", e))?,
        session_name: parse_opt("role_session_name")
            .map(str::parse)
            .transpose()
            .map_err(|e| invalid("role_session_name", e))?,
        external_id: parse_opt("external_id")
            .map(str::parse)
            .transpose()
            .map_err(|e| invalid("external_id", e))?,
        duration: parse_opt("duration_seconds")
            .map(|v| {
                v.parse::<u64>()
                    .map_err(|_| {
                        profile_error(
                            name,
                            ProfileProblem::DurationNotANumber {
                                value: v.to_owned(),
                            },
                        )
                    })
                    .and_then(|secs| {
                        SessionDuration::from_secs(secs).map_err(|e| invalid("duration_seconds", e))
                    })
            })
            .transpose()?,
        mfa_serial: parse_opt("mfa_serial")
            .map(str::parse)
            .transpose()
            .map_err(|e| invalid("mfa_serial", e))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn chain_of(config: &str, profile: &str) -> Result<ProfileChain, Error> {
        let dir = std::env::temp_dir().join(format!(
            "xrole-profile-unit-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config");
        std::fs::write(&path, config).unwrap();
        let chain = ProfileChain::from_config_file(profile, &path).await;
        std::fs::remove_dir_all(&dir).unwrap();
        chain
    }

    const CONFIG: &str = "\
[profile infra]
aws_access_key_id = AKIAEXAMPLEINFRA0001
aws_secret_access_key = not-a-secret

[profile dev]
role_arn = arn:aws:iam::222222222222:role/InfraAssumeRole
source_profile = infra
role_session_name = deploy
duration_seconds = 7200

[profile audit]
role_arn = arn:aws:iam::333333333333:role/Audit
source_profile = dev
external_id = audit-1234

[profile loop-a]
role_arn = arn:aws:iam::222222222222:role/A
source_profile = loop-b

[profile loop-b]
role_arn = arn:aws:iam::222222222222:role/B
source_profile = loop-a

[profile bad-duration]
role_arn = arn:aws:iam::222222222222:role/A
source_profile = infra
duration_seconds = 60

[profile with-mfa]
role_arn = arn:aws:iam::123456789012:role/AdminAccessRole
source_profile = infra
mfa_serial = arn:aws:iam::123456789012:mfa/deepak.dev

[profile self]
role_arn = arn:aws:iam::222222222222:role/Self
source_profile = self
aws_access_key_id = AKIAEXAMPLESELF00001
aws_secret_access_key = not-a-secret

[profile from-env]
role_arn = arn:aws:iam::222222222222:role/Deploy
credential_source = environment

[profile from-instance]
role_arn = arn:aws:iam::222222222222:role/Deploy
credential_source = Ec2InstanceMetadata

[profile after-env]
role_arn = arn:aws:iam::333333333333:role/Audit
source_profile = from-env

[profile two-sources]
role_arn = arn:aws:iam::222222222222:role/Deploy
source_profile = infra
credential_source = Environment

[profile unknown-source]
role_arn = arn:aws:iam::222222222222:role/Deploy
credential_source = Keychain

[profile on-sso]
role_arn = arn:aws:iam::222222222222:role/Deploy
source_profile = sso-dev

[profile sso-dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Developer

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1

[profile on-legacy-sso]
role_arn = arn:aws:iam::222222222222:role/Deploy
source_profile = legacy-sso

[profile legacy-sso]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
sso_account_id = 111111111111
sso_role_name = Developer

[profile on-console-login]
role_arn = arn:aws:iam::222222222222:role/Deploy
source_profile = console

[profile console]
login_session = arn:aws:iam::111111111111:user/Admin
";

    #[cfg(not(feature = "sso"))]
    #[tokio::test]
    async fn without_the_sso_feature_a_default_sso_profile_says_so() {
        use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
        let dir = std::env::temp_dir().join(format!(
            "xrole-profile-nosso-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config");
        std::fs::write(&path, CONFIG).unwrap();
        let files = EnvConfigFiles::builder()
            .with_file(EnvConfigFileKind::Config, path)
            .build();
        let base = SdkConfig::builder()
            .credentials_provider(SharedCredentialsProvider::new(
                aws_credential_types::Credentials::for_tests(),
            ))
            .build();
        let refused = without_sso(
            base.clone(),
            &Env::from_slice(&[("AWS_PROFILE", "sso-dev")]),
            &files,
        )
        .await;
        let e = refused
            .credentials_provider()
            .unwrap()
            .provide_credentials()
            .await
            .unwrap_err();
        assert!(
            format!("{}", aws_smithy_types::error::display::DisplayErrorContext(&e))
                .contains("profile sso-dev is an IAM Identity Center profile: build xrole with its `sso` feature"),
            "{e:?}"
        );
        // Keys in the environment come first: nothing to refuse.
        let kept = without_sso(
            base.clone(),
            &Env::from_slice(&[("AWS_PROFILE", "sso-dev"), ("AWS_ACCESS_KEY_ID", "AKIA")]),
            &files,
        )
        .await;
        assert!(
            kept.credentials_provider()
                .unwrap()
                .provide_credentials()
                .await
                .is_ok()
        );
        let other = without_sso(base, &Env::from_slice(&[("AWS_PROFILE", "infra")]), &files).await;
        assert!(
            other
                .credentials_provider()
                .unwrap()
                .provide_credentials()
                .await
                .is_ok()
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn a_source_xrole_does_not_read_is_refused_by_name() {
        assert_eq!(
            chain_of(CONFIG, "on-console-login")
                .await
                .unwrap_err()
                .to_string(),
            "profile console: login_session: the console sign-in credentials of `aws login` are not read by xrole; use an sso_session, a credential_process or keys"
        );
    }

    #[tokio::test]
    async fn an_identity_center_profile_starts_a_chain_with_the_sso_feature_only() {
        let chain = chain_of(CONFIG, "on-sso").await;
        if cfg!(feature = "sso") {
            let chain = chain.unwrap();
            assert_eq!(chain.source_profile(), "sso-dev");
            assert_eq!(
                chain.sso_login.as_deref(),
                Some("aws sso login --sso-session corp")
            );
            let legacy = chain_of(CONFIG, "on-legacy-sso").await.unwrap();
            assert_eq!(
                legacy.sso_login.as_deref(),
                Some("aws sso login --profile legacy-sso")
            );
        } else {
            assert_eq!(
                chain.unwrap_err().to_string(),
                "profile sso-dev: is an IAM Identity Center profile: build xrole with its `sso` feature to start a chain from it"
            );
        }
    }

    #[tokio::test]
    async fn a_credential_source_starts_a_chain() {
        let chain = chain_of(CONFIG, "after-env").await.unwrap();
        assert_eq!(chain.source_profile(), "from-env");
        assert_eq!(
            chain.credential_source(),
            Some(CredentialSource::Environment)
        );
        let hops: Vec<_> = chain.hops().iter().map(|h| h.profile.as_str()).collect();
        assert_eq!(hops, ["from-env", "after-env"]);
        let instance = chain_of(CONFIG, "from-instance").await.unwrap();
        assert_eq!(
            instance.credential_source(),
            Some(CredentialSource::Ec2InstanceMetadata)
        );
        assert_eq!(
            chain_of(CONFIG, "audit").await.unwrap().credential_source(),
            None
        );
    }

    #[tokio::test]
    async fn a_chain_is_read_from_the_source_to_the_requested_profile() {
        let chain = chain_of(CONFIG, "audit").await.unwrap();
        assert_eq!(chain.source_profile(), "infra");
        let hops: Vec<_> = chain.hops().iter().map(|h| h.profile.as_str()).collect();
        assert_eq!(hops, ["dev", "audit"]);
        let dev = &chain.hops()[0];
        assert_eq!(
            dev.role.to_string(),
            "arn:aws:iam::222222222222:role/InfraAssumeRole"
        );
        assert_eq!(
            dev.session_name.as_ref().map(|s| s.as_str()),
            Some("deploy")
        );
        assert_eq!(dev.duration.map(|d| d.as_secs()), Some(7200));
        assert_eq!(
            chain.hops()[1].external_id.as_ref().map(|e| e.as_str()),
            Some("audit-1234")
        );
    }

    #[tokio::test]
    async fn a_profile_that_is_its_own_source_uses_its_keys() {
        let chain = chain_of(CONFIG, "self").await.unwrap();
        assert_eq!(chain.source_profile(), "self");
        assert_eq!(chain.hops().len(), 1);
    }

    #[tokio::test]
    async fn an_mfa_profile_needs_a_token_provider_before_any_call() {
        let chain = chain_of(CONFIG, "with-mfa").await.unwrap();
        assert_eq!(
            chain.hops()[0]
                .mfa_serial
                .as_ref()
                .map(|s| s.to_string())
                .as_deref(),
            Some("arn:aws:iam::123456789012:mfa/deepak.dev")
        );
        // No credentials, no endpoint: the refusal comes before anything is used.
        let err = chain
            .assume(&SdkConfig::builder().build())
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "profile with-mfa: mfa_serial is arn:aws:iam::123456789012:mfa/deepak.dev: give a token provider with ProfileChain::mfa_token"
        );
    }

    #[tokio::test]
    async fn bad_profiles_are_explained() {
        let err = |profile: &'static str| async move {
            chain_of(CONFIG, profile).await.unwrap_err().to_string()
        };
        assert_eq!(
            err("loop-a").await,
            "profile loop-a: source_profile loops: loop-a -> loop-b -> loop-a"
        );
        assert_eq!(
            err("infra").await,
            "profile infra: has no role_arn: it is a source of credentials, not a role profile"
        );
        assert!(
            err("missing")
                .await
                .starts_with("profile missing: no such profile in the config files (profiles: "),
            "{}",
            err("missing").await
        );
        assert!(
            err("bad-duration")
                .await
                .starts_with("profile bad-duration: duration_seconds: "),
            "{}",
            err("bad-duration").await
        );
        assert_eq!(
            err("two-sources").await,
            "profile two-sources: names both source_profile and credential_source: a role profile has one source"
        );
        assert_eq!(
            err("unknown-source").await,
            "profile unknown-source: credential_source = Keychain is none of Environment, Ec2InstanceMetadata, EcsContainer"
        );
    }
}
