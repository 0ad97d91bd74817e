//! `xrole login`: signs in to an IAM Identity Center session with the device
//! authorization flow of SSO OIDC (RegisterClient, StartDeviceAuthorization,
//! then CreateToken until the user approves in a browser), and writes the
//! token where the AWS CLI and the SDKs read it
//! (`~/.aws/sso/cache/SHA1.json`), so that `aws`, boto3 and xrole share one
//! sign-in. `--logout` removes it.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use aws_sdk_ssooidc::operation::create_token::CreateTokenError;
use clap::Args;
use sha1::Digest;

use crate::CliError;

/// The grant of the device authorization flow.
const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// The scope of a session that no `sso_registration_scopes` names.
const DEFAULT_SCOPE: &str = "sso:account:access";
/// The longest the command waits between two polls, whatever the service says.
const MAX_INTERVAL: Duration = Duration::from_secs(60);

#[derive(Args, Debug)]
pub(crate) struct LoginFlags {
    /// The `[sso-session NAME]` section of the AWS config file to sign in to.
    #[arg(long, conflicts_with = "profile")]
    sso_session: Option<String>,
    /// A profile whose `sso_session` (or legacy `sso_start_url`) to sign in
    /// to (default: AWS_PROFILE, else `default`).
    #[arg(long)]
    profile: Option<String>,
    /// Print the URL and code only; open no browser.
    #[arg(long)]
    no_browser: bool,
    /// Remove the session's cached token instead.
    #[arg(long)]
    logout: bool,
}

/// An IAM Identity Center session as the config file describes it.
#[derive(Debug)]
struct Session {
    /// The file's name for it: the session's name, or a legacy profile's
    /// start URL.
    cache_key: String,
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

/// Signs in (or out, with `--logout`).
pub(crate) async fn run(flags: &LoginFlags) -> Result<ExitCode, CliError> {
    let session = session(flags).await?;
    let path = cache_path(&session.cache_key)?;
    if flags.logout {
        match std::fs::remove_file(&path) {
            Ok(()) => eprintln!("xrole: signed out of {}", session.start_url),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                eprintln!("xrole: no sign-in to {} was cached", session.start_url);
            }
            Err(e) => {
                return Err(CliError::Io {
                    context: format!("cannot remove {}", path.display()),
                    source: e,
                });
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    // SSO OIDC's operations are unsigned; `AWS_ENDPOINT_URL_SSO_OIDC` is read.
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(session.region.clone()))
        .no_credentials()
        .load()
        .await;
    let oidc = aws_sdk_ssooidc::Client::new(&config);
    let failed = |what: &str, e: &dyn std::error::Error| {
        problem(format!(
            "{what} failed: {}",
            aws_smithy_types::error::display::DisplayErrorContext(e)
        ))
    };
    let client = oidc
        .register_client()
        .client_name("xrole")
        .client_type("public")
        .set_scopes(Some(session.scopes.clone()))
        .send()
        .await
        .map_err(|e| failed("RegisterClient", &e))?;
    let (Some(client_id), Some(client_secret)) = (client.client_id(), client.client_secret())
    else {
        return Err(problem("RegisterClient answered without a client"));
    };
    let device = oidc
        .start_device_authorization()
        .client_id(client_id)
        .client_secret(client_secret)
        .start_url(&session.start_url)
        .send()
        .await
        .map_err(|e| failed("StartDeviceAuthorization", &e))?;
    let (Some(device_code), Some(user_code)) = (device.device_code(), device.user_code()) else {
        return Err(problem("StartDeviceAuthorization answered without a code"));
    };
    let url = device
        .verification_uri_complete()
        .or(device.verification_uri())
        .unwrap_or_default();
    eprintln!(
        "xrole: to sign in to {}, open\n  {url}\nand confirm the code {user_code}",
        session.start_url
    );
    if !flags.no_browser {
        // A browser is a convenience: the URL above is the way either way.
        let _ = std::process::Command::new("xdg-open")
            .arg(url)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
    }
    let mut interval = Duration::from_secs(u64::try_from(device.interval()).unwrap_or(5).max(1));
    let deadline =
        SystemTime::now() + Duration::from_secs(u64::try_from(device.expires_in()).unwrap_or(600));
    let token = loop {
        if SystemTime::now() > deadline {
            return Err(problem(
                "the sign-in was not approved in time; run xrole login again",
            ));
        }
        tokio::time::sleep(interval).await;
        match oidc
            .create_token()
            .client_id(client_id)
            .client_secret(client_secret)
            .grant_type(DEVICE_GRANT)
            .device_code(device_code)
            .send()
            .await
        {
            Ok(token) => break token,
            Err(e) => match e.as_service_error() {
                Some(CreateTokenError::AuthorizationPendingException(_)) => {}
                Some(CreateTokenError::SlowDownException(_)) => {
                    interval = (interval + Duration::from_secs(5)).min(MAX_INTERVAL);
                }
                Some(CreateTokenError::ExpiredTokenException(_)) => {
                    return Err(problem(
                        "the sign-in was not approved in time; run xrole login again",
                    ));
                }
                Some(CreateTokenError::AccessDeniedException(_)) => {
                    return Err(problem("the sign-in was denied"));
                }
                _ => return Err(failed("CreateToken", &e)),
            },
        }
    };
    let access_token = token
        .access_token()
        .ok_or_else(|| problem("CreateToken answered without a token"))?;
    let now = SystemTime::now();
    let expires_at = now + Duration::from_secs(u64::try_from(token.expires_in()).unwrap_or(0));
    let registration_expires_at = SystemTime::UNIX_EPOCH
        + Duration::from_secs(u64::try_from(client.client_secret_expires_at()).unwrap_or(0));
    let mut cached = serde_json::json!({
        "startUrl": session.start_url,
        "region": session.region,
        "accessToken": access_token,
        "expiresAt": rfc3339(expires_at),
        "clientId": client_id,
        "clientSecret": client_secret,
        "registrationExpiresAt": rfc3339(registration_expires_at),
    });
    if let Some(refresh) = token.refresh_token() {
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
