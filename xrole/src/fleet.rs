//! Fan one role out over many accounts, with bounded concurrency.

use std::sync::Arc;

use aws_types::SdkConfig;
use tokio::sync::Semaphore;
use xrole_core::{AccountId, Partition, RoleArn};

use crate::{AssumeRole, AssumedRole, ConfigProblem, Error, Source, WebIdentity};

/// One role name (or a list of role ARNs) over many accounts. STS throttling is
/// retried with jittered backoff; there is no cap on the number of live sessions.
///
/// ```no_run
/// # async fn demo(base: &aws_types::SdkConfig) -> Result<(), xrole::Error> {
/// use xrole::{AccountId, Fleet};
/// let accounts = ["222222222222", "333333333333"].map(AccountId::from_static);
/// let results = Fleet::role_name("AuditRole", accounts)?
///     .concurrency(32)
///     .parameters(|each| each.session_name(xrole::SessionName::from_static("audit")))
///     .assume(base)
///     .await;
/// for (role, result) in &results.sessions {
///     match result {
///         Ok(session) => println!("{role}: {}", session.session_name()),
///         Err(e) => eprintln!("{role}: {e}"),
///     }
/// }
/// # Ok(()) }
/// ```
pub struct Fleet {
    roles: Vec<RoleArn>,
    concurrency: usize,
    parameters: Option<Parameters>,
}

/// What every session of a fleet shares, applied to each role's [`AssumeRole`].
type Parameters = Box<dyn Fn(AssumeRole) -> AssumeRole + Send + Sync>;

impl std::fmt::Debug for Fleet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fleet")
            .field("roles", &self.roles)
            .field("concurrency", &self.concurrency)
            .field("parameters", &self.parameters.is_some())
            .finish()
    }
}

/// The outcome for every account, in the order given.
#[derive(Debug)]
#[non_exhaustive]
pub struct FleetResults {
    /// Each role with its session or its error.
    pub sessions: Vec<(RoleArn, Result<AssumedRole, Error>)>,
}

impl FleetResults {
    /// The sessions that were assumed.
    pub fn assumed(&self) -> impl Iterator<Item = &AssumedRole> {
        self.sessions.iter().filter_map(|(_, r)| r.as_ref().ok())
    }
    /// The roles that failed, with why.
    pub fn failed(&self) -> impl Iterator<Item = (&RoleArn, &Error)> {
        self.sessions
            .iter()
            .filter_map(|(role, r)| r.as_ref().err().map(|e| (role, e)))
    }
}

impl Fleet {
    /// Role `name` in every account (in the `aws` partition; see [`Fleet::roles`]).
    pub fn role_name(
        name: &str,
        accounts: impl IntoIterator<Item = AccountId>,
    ) -> Result<Self, Error> {
        let roles = accounts
            .into_iter()
            .map(|a| RoleArn::new(Partition::Aws, a, name))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self::roles(roles))
    }

    /// These roles.
    pub fn roles(roles: impl IntoIterator<Item = RoleArn>) -> Self {
        Self {
            roles: roles.into_iter().collect(),
            concurrency: 16,
            parameters: None,
        }
    }

    /// At most `n` AssumeRole calls at once (default 16).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// The parameters every session shares (session name, ExternalId, duration,
    /// MFA...): `each` is applied to each role's `AssumeRole::new(role)`.
    pub fn parameters(
        mut self,
        each: impl Fn(AssumeRole) -> AssumeRole + Send + Sync + 'static,
    ) -> Self {
        self.parameters = Some(Box::new(each));
        self
    }

    /// Assumes every role with `source`'s credentials (see [`Source`]), loading each
    /// session's first credentials.
    pub async fn assume<'a>(self, source: impl Into<Source<'a>>) -> FleetResults {
        let source = match source.into() {
            Source::Default => Owned::Config(Arc::new(crate::assume::default_base().await)),
            Source::Config(base) => Owned::Config(Arc::new(base.clone())),
            Source::Role(role) => Owned::Role(role.clone()),
            Source::WebIdentity(w) => Owned::WebIdentity(Arc::new(w.clone())),
        };
        let permits = Arc::new(Semaphore::new(self.concurrency));
        let mut tasks = tokio::task::JoinSet::new();
        for (i, role) in self.roles.iter().cloned().enumerate() {
            let request = match &self.parameters {
                Some(each) => each(AssumeRole::new(role.clone())).with_role(role),
                None => AssumeRole::new(role),
            };
            let source = source.clone();
            let permits = permits.clone();
            tasks.spawn(async move {
                let _permit = permits.acquire_owned().await;
                let result = request.eager(true).assume(source.borrow()).await;
                (i, result)
            });
        }
        let mut slots: Vec<Option<Result<AssumedRole, Error>>> =
            self.roles.iter().map(|_| None).collect();
        while let Some(joined) = tasks.join_next().await {
            if let Ok((i, result)) = joined
                && let Some(slot) = slots.get_mut(i)
            {
                *slot = Some(result);
            }
        }
        let sessions = self
            .roles
            .into_iter()
            .zip(slots)
            .map(|(role, r)| {
                let r = r.unwrap_or_else(|| {
                    Err(Error::Config {
                        role: role.clone(),
                        problem: ConfigProblem::TaskStopped,
                    })
                });
                (role, r)
            })
            .collect();
        FleetResults { sessions }
    }
}

/// A [`Source`] the fleet's tasks can own.
#[derive(Clone)]
enum Owned {
    Config(Arc<SdkConfig>),
    Role(AssumedRole),
    WebIdentity(Arc<WebIdentity>),
}

impl Owned {
    fn borrow(&self) -> Source<'_> {
        match self {
            Self::Config(base) => Source::Config(base),
            Self::Role(role) => Source::Role(role),
            Self::WebIdentity(w) => Source::WebIdentity(w),
        }
    }
}
