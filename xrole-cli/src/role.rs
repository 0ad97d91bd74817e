//! The role flags every subcommand shares, named as `aws sts assume-role` names
//! them, and the session they make.

use std::io::{BufRead, Write};

use clap::Args;
use xrole::{
    AssumeRole, AssumedRole, ExternalId, MfaSerial, MfaStrategy, PolicyArn, PolicyArns,
    ProfileChain, Region, RoleArn, RoleSpec, RoleSpecBuilder, SessionDuration, SessionName,
    SessionPolicy, SessionTag, SessionTags, Source, SourceIdentity, TokenCode, TokenError,
    TokenProvider, TransitiveTagKeys, WebIdentity,
};

use aws_credential_types::provider::ProvideCredentials;

use sha2::Digest;

use crate::{CliError, InputProblem};

/// What identifies a session outside the process, with what it was computed from.
pub(crate) struct CacheKey {
    /// Every parameter and the source identity, as text.
    pub(crate) key: String,
    /// The source: its credentials' access key id, region and endpoints.
    source: serde_json::Value,
    /// The source configuration (credentials, region, endpoint).
    pub(crate) base: aws_config::SdkConfig,
    /// The `--profile` chain, its MFA codes set up.
    pub(crate) chain: Option<ProfileChain>,
}

impl CacheKey {
    /// The key of an MFA session of `serial` on the same source: every role
    /// assumed from that source with that device shares it.
    pub(crate) fn mfa_session(&self, serial: &MfaSerial) -> String {
        serde_json::json!({ "mfa_session": serial.to_string(), "source": self.source }).to_string()
    }
}

/// A code for `serial`: the one given, or one asked on the terminal.
pub(crate) async fn mfa_code(
    serial: &MfaSerial,
    given: Option<&TokenCode>,
) -> Result<TokenCode, CliError> {
    if let Some(code) = given {
        return Ok(code.clone());
    }
    let serial = serial.clone();
    tokio::task::spawn_blocking(move || read_code_from_terminal(&serial))
        .await
        .map_err(|e| CliError::MfaCode(xrole::TokenError::from(e.to_string())))?
        .map_err(CliError::MfaCode)
}

/// Which role, with which AssumeRole parameters.
#[derive(Args, Debug, Clone)]
#[command(group(
    clap::ArgGroup::new("mfa_device").multiple(true).args(["serial_number", "profile"])
))]
pub(crate) struct RoleFlags {
    /// The role to assume: arn:aws:iam::ACCOUNT:role/NAME.
    #[arg(
        long,
        env = "XROLE_ROLE_ARN",
        required_unless_present = "profile",
        conflicts_with = "profile"
    )]
    pub(crate) role_arn: Option<RoleArn>,
    /// A role profile of the AWS config file (role_arn + source_profile, chains and
    /// mfa_serial included) instead of --role-arn.
    #[arg(long, env = "XROLE_PROFILE")]
    pub(crate) profile: Option<String>,
    /// RoleSessionName (default: xrole- and the program's name).
    #[arg(long, env = "XROLE_ROLE_SESSION_NAME")]
    role_session_name: Option<SessionName>,
    /// ExternalId, when the role's trust policy demands one.
    #[arg(long, env = "XROLE_EXTERNAL_ID", hide_env_values = true)]
    external_id: Option<ExternalId>,
    /// Session duration: seconds (3600) or 1h, 15m, 1h30m (900 s to 12 h).
    #[arg(long, env = "XROLE_DURATION_SECONDS")]
    duration_seconds: Option<SessionDuration>,
    /// The MFA device (serial number or ARN) the role demands.
    #[arg(long, env = "XROLE_SERIAL_NUMBER")]
    serial_number: Option<MfaSerial>,
    /// The device's current code (of --serial-number, or of the profile's
    /// mfa_serial); asked on the terminal when absent.
    #[arg(long, requires = "mfa_device")]
    token_code: Option<TokenCode>,
    /// Session tags, as the AWS CLI writes them: Key=k,Value=v ...
    #[arg(long, num_args = 1.., value_parser = parse_tag)]
    tags: Vec<SessionTag>,
    /// Tag keys that pass on to sessions chained from this one.
    #[arg(long, num_args = 1..)]
    transitive_tag_keys: Vec<String>,
    /// SourceIdentity.
    #[arg(long)]
    source_identity: Option<SourceIdentity>,
    /// An inline session policy: JSON, or file://PATH.
    #[arg(long, value_parser = parse_policy)]
    policy: Option<SessionPolicy>,
    /// Managed session policies: ARNs, or arn=ARN as the AWS CLI writes them.
    #[arg(long, num_args = 1.., value_parser = parse_policy_arn)]
    policy_arns: Vec<PolicyArn>,
    /// The region of STS and of the session (default: the environment's).
    #[arg(long)]
    region: Option<Region>,
    /// Assume the role with the OIDC token in this file
    /// (AssumeRoleWithWebIdentity, the file read again at each refresh, as
    /// Kubernetes rotates it) instead of credentials.
    #[arg(
        long,
        env = "XROLE_WEB_IDENTITY_TOKEN_FILE",
        value_name = "PATH",
        conflicts_with_all = ["profile", "serial_number", "github_actions_audience"]
    )]
    web_identity_token_file: Option<std::path::PathBuf>,
    /// Assume the role with the GitHub Actions job's OIDC token for this
    /// audience (`sts.amazonaws.com` for AWS), fetched at each refresh; the job
    /// needs `permissions: id-token: write`.
    #[arg(
        long,
        value_name = "AUDIENCE",
        conflicts_with_all = ["profile", "serial_number"]
    )]
    github_actions_audience: Option<String>,
    /// How long an MFA session lasts under exec and credential-process (one code
    /// serves every role meanwhile): 900 s to 36 h.
    #[arg(
        long,
        env = "XROLE_MFA_SESSION_DURATION",
        default_value = "12h",
        value_parser = SessionDuration::parse_session_token
    )]
    pub(crate) mfa_session_duration: std::time::Duration,
}

/// `Key=k,Value=v`.
fn parse_tag(text: &str) -> Result<SessionTag, String> {
    let (mut key, mut value) = (None, None);
    for part in text.split(',') {
        match part.split_once('=') {
            Some(("Key", k)) => key = Some(k),
            Some(("Value", v)) => value = Some(v),
            _ => return Err(format!("{text:?}: write a tag as Key=NAME,Value=VALUE")),
        }
    }
    match (key, value) {
        (Some(k), Some(v)) => SessionTag::new(k, v).map_err(|e| e.to_string()),
        _ => Err(format!("{text:?}: write a tag as Key=NAME,Value=VALUE")),
    }
}

/// JSON, or `file://PATH` as the AWS CLI reads it.
fn parse_policy(text: &str) -> Result<SessionPolicy, String> {
    let json = match text.strip_prefix("file://") {
        Some(path) => crate::input::read_bounded(
            std::path::Path::new(path),
            crate::input::MAX_SESSION_POLICY_FILE_BYTES,
        )
        .map_err(|e| e.to_string())?,
        None => text.to_owned(),
    };
    SessionPolicy::parse(json.trim()).map_err(|e| e.to_string())
}

/// `ARN` or `arn=ARN`.
fn parse_policy_arn(text: &str) -> Result<PolicyArn, String> {
    PolicyArn::parse(text.strip_prefix("arn=").unwrap_or(text)).map_err(|e| e.to_string())
}

/// The codes of `serial` when STS needs one: the `--token-code` given, or one
/// asked on the terminal each time.
fn tokens(serial: MfaSerial, given: Option<TokenCode>) -> impl TokenProvider + 'static {
    move || {
        let serial = serial.clone();
        let given = given.clone();
        async move { mfa_code(&serial, given.as_ref()).await }
    }
}

/// Asks the terminal for a code, even when standard output is captured
/// (`eval "$(xrole assume ...)"`, a `credential_process`).
fn read_code_from_terminal(serial: &MfaSerial) -> Result<TokenCode, TokenError> {
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|e| {
            TokenError::from(format!(
                "no terminal to ask for the MFA code ({e}): give --token-code"
            ))
        })?;
    let mut out = &tty;
    write!(out, "MFA code for {serial}: ")?;
    out.flush()?;
    let mut line = String::new();
    // A code is six digits: a longer line is not read whole.
    std::io::BufReader::new(std::io::Read::take(&tty, 64)).read_line(&mut line)?;
    Ok(TokenCode::parse(line.trim())?)
}

impl RoleFlags {
    /// The declaration the flags describe: the role and every AssumeRole
    /// parameter (not for `--profile`), for `policy generate` and for [`request`].
    ///
    /// [`request`]: Self::request
    pub(crate) fn spec_builder(&self) -> Result<RoleSpecBuilder, CliError> {
        let role = self
            .role_arn
            .clone()
            .ok_or(CliError::Usage("give --role-arn or --profile"))?;
        let mut b = RoleSpec::builder(role)
            .set_session_name(self.role_session_name.clone())
            .set_external_id(self.external_id.clone())
            .set_duration(self.duration_seconds)
            .set_mfa_serial(self.serial_number.clone())
            .set_source_identity(self.source_identity.clone())
            .set_session_policy(self.policy.clone())
            .set_region(self.region.clone());
        if !self.tags.is_empty() {
            b = b.tags(SessionTags::new(self.tags.clone()).map_err(xrole::Error::from)?);
        }
        if !self.transitive_tag_keys.is_empty() {
            b = b.transitive_tag_keys(
                TransitiveTagKeys::new(self.transitive_tag_keys.clone())
                    .map_err(xrole::Error::from)?,
            );
        }
        if !self.policy_arns.is_empty() {
            b = b.policy_arns(
                PolicyArns::new(self.policy_arns.clone()).map_err(xrole::Error::from)?,
            );
        }
        Ok(b)
    }

    /// The AssumeRole request the flags describe (not for `--profile`), with the
    /// MFA code from `--token-code` or the terminal.
    pub(crate) fn request(&self) -> Result<AssumeRole, CliError> {
        let spec = self.spec_builder()?;
        let mut r = AssumeRole::from_spec(spec.spec());
        if let Some(serial) = &self.serial_number {
            r = r
                .mfa_serial(serial.clone())
                .mfa_token(tokens(serial.clone(), self.token_code.clone()));
        }
        Ok(r)
    }

    /// Every parameter and the source credentials' identity, as text: what makes two
    /// invocations the same session (the MFA code aside), with the source
    /// configuration and the `--profile` chain it was computed from, for
    /// [`assume_on`](Self::assume_on).
    pub(crate) async fn cache_key(&self) -> Result<CacheKey, CliError> {
        let chain = self.chain().await?;
        let (base, hops) = match &chain {
            Some(chain) => (chain.source_config().await, format!("{:?}", chain.hops())),
            None => (
                aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await,
                String::new(),
            ),
        };
        // A source profile's credential_process runs once per lifetime of
        // what it prints, not at every invocation.
        let base = match chain.as_ref().and_then(|c| {
            c.credential_process()
                .map(|command| (c.source_profile(), command))
        }) {
            Some((profile, command)) => crate::process::cached_source(base, profile, command)?,
            None => base,
        };
        // A chain that starts with a web identity is the same source while its
        // token is: keyed by the token's identity and hash, never by the file's
        // path alone (a token the trust refuses must not be served the session
        // another token was given).
        let token_file = chain
            .as_ref()
            .and_then(|c| c.web_identity_token_file())
            .or(self.web_identity_token_file.as_deref());
        let web_identity = match (token_file, &self.github_actions_audience) {
            (Some(path), _) => Some(token_identity(path)?),
            // A job's tokens: the same source for the same job and audience.
            (None, Some(audience)) => Some(serde_json::json!({
                "github_actions": audience,
                "request_url": std::env::var("ACTIONS_ID_TOKEN_REQUEST_URL").ok(),
            })),
            (None, None) => None,
        };
        let source = match (&web_identity, base.credentials_provider()) {
            (Some(_), _) => None,
            (None, Some(p)) => Some(
                p.provide_credentials()
                    .await
                    .map_err(|e| CliError::NoSourceCredentials(Some(e)))?
                    .access_key_id()
                    .to_owned(),
            ),
            (None, None) => return Err(CliError::NoSourceCredentials(None)),
        };
        let source = serde_json::json!({
            "access_key_id": source,
            "web_identity": web_identity,
            "region": base.region().map(|r| r.to_string()),
            "endpoint": base.endpoint_url(),
            "sts_endpoint": std::env::var("AWS_ENDPOINT_URL_STS").ok(),
        });
        let text = |v: Option<&dyn std::fmt::Display>| v.map(|v| v.to_string());
        let key = serde_json::json!({
            "source": source,
            "profile": self.profile,
            "hops": hops,
            "role_arn": text(self.role_arn.as_ref().map(|v| v as _)),
            "role_session_name": text(self.role_session_name.as_ref().map(|v| v as _)),
            "external_id": self.external_id.as_ref().map(|v| v.as_str()),
            "duration_seconds": self.duration_seconds.map(|d| d.as_secs()),
            "serial_number": text(self.serial_number.as_ref().map(|v| v as _)),
            "tags": self.tags.iter().map(|t| [t.key(), t.value()]).collect::<Vec<_>>(),
            "transitive_tag_keys": self.transitive_tag_keys,
            "source_identity": text(self.source_identity.as_ref().map(|v| v as _)),
            "policy": self.policy.as_ref().map(|p| p.as_str()),
            "policy_arns": self.policy_arns.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
            "region_flag": text(self.region.as_ref().map(|v| v as _)),
        })
        .to_string();
        Ok(CacheKey {
            key,
            source,
            base,
            chain,
        })
    }

    /// The `--profile` chain, with the codes of its `mfa_serial` hops from
    /// `--token-code` or the terminal.
    async fn chain(&self) -> Result<Option<ProfileChain>, CliError> {
        let Some(profile) = &self.profile else {
            return Ok(None);
        };
        let mut chain = ProfileChain::load(profile).await?;
        let serial = self
            .serial_number
            .clone()
            .or_else(|| chain.hops().iter().find_map(|h| h.mfa_serial.clone()));
        if let Some(serial) = serial {
            chain = chain.mfa_token(tokens(serial, self.token_code.clone()));
        }
        Ok(Some(chain))
    }

    /// The web identity the flags name instead of credentials: a token file,
    /// or a GitHub Actions job's tokens.
    fn web_identity(&self) -> Result<Option<WebIdentity>, CliError> {
        Ok(
            match (&self.web_identity_token_file, &self.github_actions_audience) {
                (Some(path), _) => Some(WebIdentity::token_file(path)),
                (None, Some(audience)) => Some(WebIdentity::github_actions(audience)?),
                (None, None) => None,
            },
        )
    }

    /// The MFA device an MFA session serves, with the code given: `--serial-number`,
    /// or with `--profile` the first hop's `mfa_serial`.
    pub(crate) fn mfa_session_device<'a>(
        &'a self,
        key: &'a CacheKey,
    ) -> Option<(&'a MfaSerial, Option<&'a TokenCode>)> {
        let serial = match &key.chain {
            Some(chain) => chain.mfa_session_device(),
            None => self.serial_number.as_ref(),
        };
        serial.map(|s| (s, self.token_code.as_ref()))
    }

    /// The role the flags end on: `--role-arn`, or the last hop of `--profile`.
    pub(crate) async fn role(&self) -> Result<RoleArn, CliError> {
        self.role_in(self.chain().await?.as_ref())
    }

    /// [`role`](Self::role), with the `--profile` chain already loaded.
    pub(crate) fn role_in(&self, chain: Option<&ProfileChain>) -> Result<RoleArn, CliError> {
        self.role_arn
            .clone()
            .or_else(|| {
                chain
                    .and_then(|c| c.hops().last())
                    .map(|hop| hop.role.clone())
            })
            .ok_or(CliError::Usage("give --role-arn or --profile"))
    }

    /// The session on the credentials of an MFA session already open for
    /// [`mfa_session_device`](Self::mfa_session_device): no code is sent.
    pub(crate) async fn assume_in_mfa_session(
        &self,
        key: &CacheKey,
        session: &aws_config::SdkConfig,
    ) -> Result<AssumedRole, CliError> {
        let role = match &key.chain {
            Some(chain) => chain.assume_in_mfa_session(session).await?,
            None => {
                AssumeRole::from_spec(self.spec_builder()?.set_mfa_serial(None).spec())
                    .assume(session)
                    .await?
            }
        };
        role.load().await?;
        Ok(role)
    }

    /// The session, its first credentials loaded: a refusal is this call's error.
    pub(crate) async fn assume(&self) -> Result<AssumedRole, CliError> {
        self.session(self.chain().await?, Source::Default, false)
            .await
    }

    /// [`assume`](Self::assume) with `source`'s credentials and the `--profile`
    /// chain already loaded ([`CacheKey::chain`]).
    pub(crate) async fn assume_on(
        &self,
        chain: Option<ProfileChain>,
        source: Source<'_>,
    ) -> Result<AssumedRole, CliError> {
        self.session(chain, source, false).await
    }

    /// The session for a long run (`exec`): with an MFA device, one code opens an
    /// MFA session (GetSessionToken, `--mfa-session-duration`) whose credentials
    /// assume the role at each refresh, so that refreshes ask no code while it
    /// lives.
    pub(crate) async fn assume_lasting(&self) -> Result<AssumedRole, CliError> {
        self.session(self.chain().await?, Source::Default, true)
            .await
    }

    async fn session(
        &self,
        chain: Option<ProfileChain>,
        source: Source<'_>,
        lasting: bool,
    ) -> Result<AssumedRole, CliError> {
        // A web identity replaces the credentials; the configuration still
        // gives STS's region and endpoint.
        let (base, web_identity);
        let source = match self.web_identity()? {
            Some(identity) => {
                let config = match source {
                    Source::Config(config) => config,
                    _ => {
                        base =
                            aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
                        &base
                    }
                };
                web_identity = identity.config(config);
                Source::WebIdentity(&web_identity)
            }
            None => source,
        };
        let strategy = if lasting {
            MfaStrategy::SessionToken {
                duration: self.mfa_session_duration,
            }
        } else {
            MfaStrategy::EachAssume
        };
        if let Some(chain) = chain {
            let role = chain.mfa_strategy(strategy).assume(source).await?;
            role.load().await?;
            return Ok(role);
        }
        Ok(self
            .request()?
            .mfa_strategy(strategy)
            .eager(true)
            .assume(source)
            .await?)
    }
}

/// What identifies the web identity token in `path` now: its issuer, subject and
/// audiences (read, not verified: STS verifies) and its SHA-256. The file is read
/// as the runtime reads it: a regular file, never waited on, at most STS's
/// longest token.
fn token_identity(path: &std::path::Path) -> Result<serde_json::Value, CliError> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let context = || format!("cannot read the web identity token file {}", path.display());
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)
        .map_err(CliError::io(context()))?;
    let is_file = file.metadata().map_err(CliError::io(context()))?.is_file();
    if !is_file {
        return Err(CliError::Input {
            name: path.display().to_string(),
            problem: InputProblem::NotAFile,
        });
    }
    let most = *xrole::WEB_IDENTITY_TOKEN_CHARS.end();
    let mut token = String::new();
    file.take(most as u64 + 1)
        .read_to_string(&mut token)
        .map_err(CliError::io(context()))?;
    let token = token.trim();
    if token.len() > most {
        return Err(CliError::Input {
            name: path.display().to_string(),
            problem: InputProblem::TokenTooLong { most },
        });
    }
    let claims = xrole::TokenClaims::read_unverified(token);
    Ok(serde_json::json!({
        "issuer": claims.as_ref().and_then(|c| c.issuer.clone()),
        "subject": claims.as_ref().and_then(|c| c.subject.clone()),
        "audiences": claims.map(|c| c.audiences).unwrap_or_default(),
        "sha256": hex::encode(sha2::Sha256::digest(token.as_bytes())),
    }))
}
