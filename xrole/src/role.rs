//! [`AssumedRole`]: a role session with self-refreshing credentials.

use std::sync::Arc;

use aws_types::SdkConfig;
use xrole_core::{AccountId, PrincipalArn, RoleArn, SessionName};

use crate::Error;
use crate::refresh::{Engine, Stats};

pub(crate) struct RoleInner {
    engine: Engine,
    config: SdkConfig,
    /// The base the session was built from (region, endpoint, clock), without its
    /// credentials: the base of sessions chained from this one.
    base: SdkConfig,
    /// The session this one was chained from, kept alive as long as this one.
    parent: Option<AssumedRole>,
}

/// A role session whose credentials refresh themselves ahead of expiry. Cheap to
/// clone; every clone, client and chained session shares the one session, and its
/// background task stops when the last of them is dropped.
#[derive(Clone)]
pub struct AssumedRole {
    pub(crate) inner: Arc<RoleInner>,
}

impl std::fmt::Debug for AssumedRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AssumedRole")
            .field("role", &self.role().as_str())
            .field("session_name", &self.session_name())
            .field("stats", &self.stats())
            .field(
                "chained_from",
                &self.inner.parent.as_ref().map(|p| p.role().to_string()),
            )
            .finish()
    }
}

/// Who a set of credentials belongs to (`GetCallerIdentity`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallerIdentity {
    /// The ARN (`arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`).
    pub arn: PrincipalArn,
    /// The account.
    pub account: AccountId,
    /// The unique id (`AROA...:SESSION`).
    pub user_id: String,
}

impl AssumedRole {
    pub(crate) fn new(
        engine: Engine,
        config: SdkConfig,
        base: SdkConfig,
        parent: Option<AssumedRole>,
    ) -> Self {
        Self {
            inner: Arc::new(RoleInner {
                engine,
                config,
                base,
                parent,
            }),
        }
    }

    /// The role.
    pub fn role(&self) -> &RoleArn {
        self.inner.engine.role()
    }

    /// The session name (the declared one, or [`default_session_name`](crate::default_session_name)'s).
    pub fn session_name(&self) -> &SessionName {
        self.inner.engine.session_name()
    }

    /// The configuration with this session's credentials: any AWS SDK client built
    /// from it signs with them (`aws_sdk_s3::Client::new(role.sdk_config())`).
    pub fn sdk_config(&self) -> &SdkConfig {
        &self.inner.config
    }

    /// A client of any AWS SDK crate: `role.client(aws_sdk_s3::Client::new)`.
    pub fn client<C>(&self, new: impl FnOnce(&SdkConfig) -> C) -> C {
        new(&self.inner.config)
    }

    /// A client whose service configuration is adjusted first:
    /// `role.client_with(|b: aws_sdk_s3::config::Builder| b.force_path_style(true).build(), aws_sdk_s3::Client::from_conf)`.
    pub fn client_with<B, Conf, C>(
        &self,
        adjust: impl FnOnce(B) -> Conf,
        from_conf: impl FnOnce(Conf) -> C,
    ) -> C
    where
        B: for<'a> From<&'a SdkConfig>,
    {
        from_conf(adjust(B::from(&self.inner.config)))
    }

    /// Loads the first credentials now (otherwise the first request does); the
    /// error is the one that happened (`AccessDenied` explained, ...).
    pub async fn load(&self) -> Result<(), Error> {
        self.credentials().await.map(|_| ())
    }

    /// The session's current credentials, loading the first ones if needed: to
    /// hand them to another program (a shell, a credential endpoint). They expire;
    /// the session's clients never hold expired ones, a copy can.
    pub async fn credentials(&self) -> Result<aws_credential_types::Credentials, Error> {
        self.inner
            .engine
            .credentials()
            .await
            .map_err(|e| Error::clone(&e))
    }

    /// Who the session's credentials belong to. A session that cannot be had fails
    /// with the reason (`AccessDenied` explained, ...), not the SDK's wrapping of it.
    pub async fn caller_identity(&self) -> Result<CallerIdentity, Error> {
        self.load().await?;
        let out = aws_sdk_sts::Client::new(&self.inner.config)
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| match Error::find(&e) {
                Some(inner) => inner.clone(),
                None => Error::from_sdk(self.role(), "GetCallerIdentity", e),
            })?;
        let unreadable = |what: &str, e: xrole_core::Error| Error::Sts {
            role: self.role().clone(),
            operation: "GetCallerIdentity",
            code: None,
            status: None,
            message: Some(format!("STS answered an unreadable {what}: {e}").into()),
            source: None,
        };
        Ok(CallerIdentity {
            arn: PrincipalArn::parse(out.arn().unwrap_or_default())
                .map_err(|e| unreadable("ARN", e))?,
            account: AccountId::parse(out.account().unwrap_or_default())
                .map_err(|e| unreadable("account", e))?,
            user_id: out.user_id().unwrap_or_default().to_owned(),
        })
    }

    /// Refresh statistics: STS calls, failures, last refresh, expiry.
    pub fn stats(&self) -> Stats {
        self.inner.engine.stats()
    }

    /// Drops the cached credentials (say, after a service rejected them as
    /// expired): the next request fetches new ones, in one STS call.
    pub fn invalidate(&self) {
        self.inner.engine.invalidate();
    }

    /// The session this one was chained from.
    pub fn chained_from(&self) -> Option<&AssumedRole> {
        self.inner.parent.as_ref()
    }

    pub(crate) fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    pub(crate) fn base_config(&self) -> &SdkConfig {
        &self.inner.base
    }
}
