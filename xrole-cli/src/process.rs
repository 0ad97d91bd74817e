//! `xrole credential-process`: a `credential_process` for the AWS config file,
//! with a cache shared by every process of the user. The AWS CLI never caches a
//! credential_process's output (aws-cli#5585), so each command would call STS;
//! here one call serves until the library's refresh window, and N invocations
//! started together make one call (a lock per key).
//!
//! The cache: the user's cache directory (`XROLE_CACHE_DIR` overrides it),
//! directory 0700, files 0600, one file per key named by the key's SHA-256, each
//! trusted only as `cache.rs` checks it. A file holds its key in full: a
//! corrupted file, one written for another key or one with times out of range is
//! ignored and replaced, never trusted.

use std::fs::File;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use xrole::Source;

use crate::CliError;
use crate::cache::CacheDir;
use crate::role::RoleFlags;

/// How long an invocation waits for another that holds the key's lock (it may be
/// waiting for an MFA code).
const LOCK_WAIT: Duration = Duration::from_secs(120);

/// The cache file of one key.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct Entry {
    /// The format's version.
    version: u32,
    /// Every parameter and the source identity, as text.
    key: String,
    access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
    /// When the credentials were obtained and when they expire, in seconds since
    /// the Unix epoch.
    issued: u64,
    expiration: u64,
}

impl Entry {
    /// Credentials still outside the library's refresh window; `None` for times
    /// no clock can hold (a corrupt entry).
    fn fresh(&self, now: SystemTime) -> Option<Credentials> {
        let at = |secs: u64| SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(secs));
        let (issued, expiry) = (at(self.issued)?, at(self.expiration)?);
        let lifetime = expiry.duration_since(issued).ok()?;
        (now.checked_add(xrole::refresh_window(lifetime))? < expiry).then(|| {
            Credentials::new(
                &self.access_key_id,
                &self.secret_access_key,
                self.session_token.clone(),
                Some(expiry),
                "xrole credential-process cache",
            )
        })
    }
}

/// The entry of `key` in file `name`, if the file is the user's own, well formed
/// and for it.
fn read(dir: &CacheDir, name: &str, key: &str) -> Option<Entry> {
    let entry: Entry = serde_json::from_slice(&dir.read(name)?).ok()?;
    (entry.version == 1 && entry.key == key).then_some(entry)
}

/// Takes the key's lock, waiting for another invocation that holds it.
async fn lock(dir: &CacheDir, name: &str) -> Result<File, CliError> {
    let file = dir.lock_file(name)?;
    let started = std::time::Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(std::fs::TryLockError::WouldBlock) if started.elapsed() < LOCK_WAIT => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(CliError::Locked {
                    path: dir.path_of(name),
                    waited: LOCK_WAIT,
                });
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(CliError::io(format!(
                    "cannot lock {}",
                    dir.path_of(name).display()
                ))(e));
            }
        }
    }
}

/// Seconds since the Unix epoch.
fn secs(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The credentials of `key` from the cache while fresh; else from `fetch`, one
/// invocation at a time per key, then cached.
async fn cached<F, Fut>(dir: &CacheDir, key: String, fetch: F) -> Result<Credentials, CliError>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<Credentials, CliError>>,
{
    let stem = hex::encode(Sha256::digest(key.as_bytes()));
    let name = format!("{stem}.json");
    if let Some(c) = read(dir, &name, &key).and_then(|e| e.fresh(SystemTime::now())) {
        return Ok(c);
    }
    let _lock = lock(dir, &format!("{stem}.lock")).await?;
    // Another invocation may have refreshed while this one waited.
    if let Some(c) = read(dir, &name, &key).and_then(|e| e.fresh(SystemTime::now())) {
        return Ok(c);
    }
    let issued = SystemTime::now();
    let credentials = fetch().await?;
    // Credentials that never expire are long-term keys: never written.
    let Some(expiration) = credentials.expiry() else {
        return Ok(credentials);
    };
    let entry = Entry {
        version: 1,
        key,
        access_key_id: credentials.access_key_id().to_owned(),
        secret_access_key: credentials.secret_access_key().to_owned(),
        session_token: credentials.session_token().map(str::to_owned),
        issued: secs(issued),
        expiration: secs(expiration),
    };
    let text = serde_json::to_vec(&entry).map_err(|e| CliError::Io {
        context: "cannot encode the cache entry".into(),
        source: std::io::Error::other(e),
    })?;
    dir.write(&name, &text)?;
    Ok(credentials)
}

/// A source profile's `credential_process`, its output kept in the cache
/// while fresh (what granted#849 asks of any credential process): the process
/// runs once per lifetime of the credentials it prints, not at every
/// invocation. Output without an `Expiration` (long-term keys) is never
/// written.
struct CachedProcess {
    dir: std::sync::Arc<CacheDir>,
    key: String,
    inner: SharedCredentialsProvider,
}

impl std::fmt::Debug for CachedProcess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedProcess").finish_non_exhaustive()
    }
}

impl aws_credential_types::provider::ProvideCredentials for CachedProcess {
    fn provide_credentials<'a>(
        &'a self,
    ) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        aws_credential_types::provider::future::ProvideCredentials::new(async move {
            cached(&self.dir, self.key.clone(), || async {
                self.inner
                    .provide_credentials()
                    .await
                    .map_err(|e| CliError::NoSourceCredentials(Some(e)))
            })
            .await
            .map_err(aws_credential_types::provider::error::CredentialsError::provider_error)
        })
    }
}

/// `base` with its credentials, those of `profile`'s `credential_process`
/// `command`, served from the cache while fresh.
pub(crate) fn cached_source(
    base: aws_types::SdkConfig,
    profile: &str,
    command: &str,
) -> Result<aws_types::SdkConfig, CliError> {
    let Some(inner) = base.credentials_provider() else {
        return Ok(base);
    };
    let key = serde_json::json!({"credential_process": command, "profile": profile}).to_string();
    let provider = CachedProcess {
        dir: std::sync::Arc::new(CacheDir::open()?),
        key,
        inner,
    };
    Ok(base
        .to_builder()
        .credentials_provider(SharedCredentialsProvider::new(provider))
        .build())
}

/// The credentials for `flags`. With an MFA device (`--serial-number`, or the
/// first `mfa_serial` of `--profile`), an MFA session (GetSessionToken with one
/// code) is cached too, and every role assumed with its credentials: one code
/// serves every role for the session's lifetime.
pub(crate) async fn credentials(flags: &RoleFlags) -> Result<Credentials, CliError> {
    let key = flags.cache_key().await?;
    let dir = CacheDir::open()?;
    let Some((serial, given)) = flags.mfa_session_device(&key) else {
        let (base, chain) = (&key.base, key.chain.clone());
        return cached(&dir, key.key.clone(), || async {
            Ok(flags
                .assume_on(chain, Source::Config(base))
                .await?
                .credentials()
                .await?)
        })
        .await;
    };
    let role = flags.role_in(key.chain.as_ref())?;
    let session = cached(&dir, key.mfa_session(serial), || async {
        let code = crate::role::mfa_code(serial, given).await?;
        Ok(xrole::mfa_session(&key.base, &role, serial, &code, flags.mfa_session_duration).await?)
    })
    .await?;
    let config = key
        .base
        .to_builder()
        .credentials_provider(SharedCredentialsProvider::new(session))
        .build();
    cached(&dir, key.key.clone(), || async {
        Ok(flags
            .assume_in_mfa_session(&key, &config)
            .await?
            .credentials()
            .await?)
    })
    .await
}
