//! `xrole login`: signs in to an IAM Identity Center session and writes the
//! token where the AWS CLI and the SDKs read it (`~/.aws/sso/cache/SHA1.json`),
//! so that `aws`, boto3 and xrole share one sign-in. An `sso-session` signs in
//! with the authorization-code flow with PKCE, as current AWS CLIs do
//! ([`auth_code`]); `--use-device-code`, and a legacy profile's start URL, with
//! the device authorization flow ([`device`]). `--logout` signs the token out
//! of the portal and removes it.

mod auth_code;
mod device;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use clap::Args;
use sha1::Digest;

use crate::CliError;

/// The scope of a session that no `sso_registration_scopes` names.
const DEFAULT_SCOPE: &str = "sso:account:access";

#[derive(Args, Debug)]
pub(crate) struct LoginFlags {
    /// The `[sso-session NAME]` section of the AWS config file to sign in to.
    #[arg(long, conflicts_with = "profile")]
    sso_session: Option<String>,
    /// A profile whose `sso_session` (or legacy `sso_start_url`) to sign in
    /// to (default: AWS_PROFILE, else `default`).
    #[arg(long)]
    profile: Option<String>,
    /// Print the URL (and code) only; open no browser.
    #[arg(long)]
    no_browser: bool,
    /// Sign in with the device authorization flow (a code to confirm, from any
    /// device) instead of the authorization-code flow on this machine.
    #[arg(long)]
    use_device_code: bool,
    /// Sign the session's token out of the portal and remove it instead.
    #[arg(long)]
    logout: bool,
}

/// An IAM Identity Center session as the config file describes it.
#[derive(Debug)]
struct Session {
    /// The file's name for it: the session's name, or a legacy profile's
    /// start URL.
    cache_key: String,
    /// A legacy profile's start URL, not an `sso-session`: the AWS CLI signs
    /// it in with the device flow only.
    legacy: bool,
    start_url: String,
    region: String,
    scopes: Vec<String>,
}

fn problem(what: impl Into<String>) -> CliError {
    CliError::Login(what.into())
}

/// The session the flags name, from the AWS config file.
async fn session(flags: &LoginFlags) -> Result<Session, CliError> {
    use aws_runtime::env_config::file::EnvConfigFiles;
    use aws_types::os_shim_internal::{Env, Fs};
    let set =
        aws_config::profile::load(&Fs::real(), &Env::real(), &EnvConfigFiles::default(), None)
            .await
            .map_err(|e| problem(format!("the AWS config file cannot be read: {e}")))?;
    let name = match (&flags.sso_session, &flags.profile) {
        (Some(session), _) => session.clone(),
        (None, profile) => {
            let profile = profile
                .clone()
                .or_else(|| std::env::var("AWS_PROFILE").ok())
                .unwrap_or_else(|| "default".to_owned());
            let p = set
                .get_profile(&profile)
                .ok_or_else(|| problem(format!("no profile {profile} in the AWS config file")))?;
            match p.get("sso_session") {
                Some(session) => session.trim().to_owned(),
                // The legacy form: the profile holds the start URL and region.
                None => {
                    let start_url = p.get("sso_start_url").ok_or_else(|| {
                        problem(format!(
                            "profile {profile} names no sso_session and no sso_start_url"
                        ))
                    })?;
                    let region = p.get("sso_region").ok_or_else(|| {
                        problem(format!(
                            "profile {profile} names sso_start_url without sso_region"
                        ))
                    })?;
                    return Ok(Session {
                        legacy: true,
                        cache_key: start_url.trim().to_owned(),
                        start_url: start_url.trim().to_owned(),
                        region: region.trim().to_owned(),
                        scopes: vec![DEFAULT_SCOPE.to_owned()],
                    });
                }
            }
        }
    };
    let section = set
        .sso_session(&name)
        .ok_or_else(|| problem(format!("no [sso-session {name}] in the AWS config file")))?;
    let key = |k: &str| {
        section
            .get(k)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| problem(format!("[sso-session {name}] has no {k}")))
    };
    let scopes = section
        .get("sso_registration_scopes")
        .map(|s| {
            s.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| vec![DEFAULT_SCOPE.to_owned()]);
    Ok(Session {
        legacy: false,
        start_url: key("sso_start_url")?.to_owned(),
        region: key("sso_region")?.to_owned(),
        cache_key: name,
        scopes,
    })
}

/// Where the AWS CLI keeps a session's token: `~/.aws/sso/cache/` and the
/// SHA-1 of the session's name (or a legacy profile's start URL).
fn cache_path(cache_key: &str) -> Result<PathBuf, CliError> {
    let home = dirs::home_dir().ok_or_else(|| problem("no home directory for ~/.aws/sso/cache"))?;
    let name = hex::encode(sha1::Sha1::digest(cache_key.as_bytes()));
    Ok(home.join(".aws/sso/cache").join(format!("{name}.json")))
}

/// RFC 3339 in UTC, as the token cache writes times.
fn rfc3339(at: SystemTime) -> String {
    aws_smithy_types::DateTime::from(at)
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_default()
}

/// Writes `text` to `path` for the user alone: a file of mode 0600 in a
/// directory of mode 0700, written aside and renamed into place.
fn write_private(path: &Path, text: &str) -> Result<(), CliError> {
    use std::io::Write;
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    let context = || format!("cannot write the token cache {}", path.display());
    let dir = path
        .parent()
        .ok_or_else(|| problem("the token cache has no directory"))?;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(CliError::io(context()))?;
    let aside = path.with_extension(format!("json.{}", std::process::id()));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&aside)
        .map_err(CliError::io(context()))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(CliError::io(context()))?;
    std::fs::rename(&aside, path).map_err(CliError::io(context()))
}

/// What a sign-in gives, whichever flow: the client registered and its token.
struct SignedIn {
    client_id: String,
    client_secret: String,
    /// When the client's registration expires, in seconds since the epoch.
    client_secret_expires_at: i64,
    access_token: String,
    expires_in: i32,
    refresh_token: Option<String>,
}

/// What the user is told when a sign-in waited too long.
const NOT_APPROVED: &str = "the sign-in was not approved in time; run xrole login again";

impl SignedIn {
    /// The client registered and the token CreateToken gave it.
    fn new(
        client: &aws_sdk_ssooidc::operation::register_client::RegisterClientOutput,
        token: &aws_sdk_ssooidc::operation::create_token::CreateTokenOutput,
    ) -> Result<Self, CliError> {
        let (client_id, client_secret) = registered(client)?;
        Ok(Self {
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            client_secret_expires_at: client.client_secret_expires_at(),
            access_token: token
                .access_token()
                .ok_or_else(|| problem("CreateToken answered without a token"))?
                .to_owned(),
            expires_in: token.expires_in(),
            refresh_token: token.refresh_token().map(str::to_owned),
        })
    }
}

/// The registered client's id and secret.
fn registered(
    client: &aws_sdk_ssooidc::operation::register_client::RegisterClientOutput,
) -> Result<(&str, &str), CliError> {
    client
        .client_id()
        .zip(client.client_secret())
        .ok_or_else(|| problem("RegisterClient answered without a client"))
}

/// An SSO OIDC call's failure, its cause said.
fn failed(what: &str, e: &dyn std::error::Error) -> CliError {
    problem(format!(
        "{what} failed: {}",
        aws_smithy_types::error::display::DisplayErrorContext(e)
    ))
}

/// Opens `url` in the user's browser, unless told not to: a convenience, the
/// printed URL is the way either way.
fn open_browser(flags: &LoginFlags, url: &str) {
    if !flags.no_browser {
        let _ = std::process::Command::new("xdg-open")
            .arg(url)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
    }
}

/// The SDK configuration for IAM Identity Center's calls in the session's
/// region: SSO OIDC's operations and the portal's Logout are unsigned, and
/// `AWS_ENDPOINT_URL_SSO_OIDC` and `AWS_ENDPOINT_URL_SSO` are read.
async fn sdk_config(session: &Session) -> aws_types::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(session.region.clone()))
        .no_credentials()
        .load()
        .await
}

/// Signs the cached token out of the portal (its `Logout`, so that it is no
/// longer valid anywhere) and removes the file. A portal that cannot be
/// reached is said, and the file is removed all the same.
async fn logout(session: &Session, path: &Path) -> Result<(), CliError> {
    let cached = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("xrole: no sign-in to {} was cached", session.start_url);
            return Ok(());
        }
        Err(e) => {
            return Err(CliError::Io {
                context: format!("cannot read {}", path.display()),
                source: e,
            });
        }
    };
    let token = serde_json::from_str::<serde_json::Value>(&cached)
        .ok()
        .and_then(|v| v.get("accessToken")?.as_str().map(str::to_owned));
    if let Some(token) = token {
        let portal = aws_sdk_sso::Client::new(&sdk_config(session).await);
        if let Err(e) = portal.logout().access_token(token).send().await {
            eprintln!(
                "xrole: the portal's Logout failed ({}); the cached token is removed all the same",
                aws_smithy_types::error::display::DisplayErrorContext(&e)
            );
        }
    }
    std::fs::remove_file(path).map_err(|e| CliError::Io {
        context: format!("cannot remove {}", path.display()),
        source: e,
    })?;
    eprintln!("xrole: signed out of {}", session.start_url);
    Ok(())
}

/// Signs in (or out, with `--logout`).
pub(crate) async fn run(flags: &LoginFlags) -> Result<ExitCode, CliError> {
    let session = session(flags).await?;
    let path = cache_path(&session.cache_key)?;
    if flags.logout {
        logout(&session, &path).await?;
        return Ok(ExitCode::SUCCESS);
    }
    let oidc = aws_sdk_ssooidc::Client::new(&sdk_config(&session).await);
    let signed = if flags.use_device_code || session.legacy {
        device::sign_in(&oidc, &session, flags).await?
    } else {
        auth_code::sign_in(&oidc, &session, flags).await?
    };
    let now = SystemTime::now();
    let expires_at = now + Duration::from_secs(u64::try_from(signed.expires_in).unwrap_or(0));
    let registration_expires_at = SystemTime::UNIX_EPOCH
        + Duration::from_secs(u64::try_from(signed.client_secret_expires_at).unwrap_or(0));
    let mut cached = serde_json::json!({
        "startUrl": session.start_url,
        "region": session.region,
        "accessToken": signed.access_token,
        "expiresAt": rfc3339(expires_at),
        "clientId": signed.client_id,
        "clientSecret": signed.client_secret,
        "registrationExpiresAt": rfc3339(registration_expires_at),
    });
    if let Some(refresh) = signed.refresh_token {
        cached["refreshToken"] = serde_json::Value::from(refresh);
    }
    write_private(&path, &cached.to_string())?;
    eprintln!(
        "xrole: signed in to {} until {}",
        session.start_url,
        rfc3339(expires_at)
    );
    Ok(ExitCode::SUCCESS)
}
