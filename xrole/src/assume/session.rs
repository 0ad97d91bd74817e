//! Starting a session: the STS client on the source credentials, the refresh engine
//! that calls it, and the configuration clients sign with.

use std::sync::Arc;
use std::time::Duration;

use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_async::rt::sleep::{SharedAsyncSleep, default_async_sleep};
use aws_smithy_async::time::{SharedTimeSource, SystemTimeSource};
use aws_types::SdkConfig;

use super::call::Params;
use super::client::{sts_client, unsigned_sts_client};
use super::mfa::mfa_session_engine;
use super::{AssumeRole, MfaStrategy, Upstream, WebIdentity, default_session_name};
use crate::refresh::{Engine, EngineProvider, Fetch, SessionIdentityCache};
use crate::role::AssumedRole;
use crate::{ConfigProblem, Error};

impl AssumeRole {
    /// Starts the session on `upstream` (source credentials, or a web identity
    /// token), with `base`'s settings (region, endpoint, clock, sleep, HTTP
    /// client). `parent` is the session the credentials come from when chained: it
    /// is invalidated when STS says its credentials expired, and kept alive as long
    /// as this one.
    pub(crate) async fn start(
        self,
        base: &SdkConfig,
        upstream: Upstream,
        parent: Option<&AssumedRole>,
    ) -> Result<AssumedRole, Error> {
        let role = self.spec.spec().role().clone();
        let config_error = |problem| Error::Config {
            role: role.clone(),
            problem,
        };
        let time = base
            .time_source()
            .unwrap_or_else(|| SharedTimeSource::new(SystemTimeSource::new()));
        let sleep = base
            .sleep_impl()
            .or_else(default_async_sleep)
            .ok_or_else(|| config_error(ConfigProblem::NoSleep))?;
        // Clients of the session use the base's settings (and the role's region);
        // an STS endpoint override applies to the STS calls only.
        let mut client_config = base.to_builder();
        if let Some(region) = self.spec.spec().region() {
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
            return Err(config_error(ConfigProblem::NoRegion));
        }
        let on_parent_expired = parent.map(|p| {
            let engine = p.engine().clone();
            Arc::new(move || engine.invalidate()) as Arc<dyn Fn() + Send + Sync>
        });
        let source = match upstream {
            Upstream::Credentials(source) => source,
            Upstream::WebIdentity(w) => {
                return self
                    .start_engine(
                        role,
                        Calls {
                            sts: unsigned_sts_client(&sts_base),
                            web_identity: Some(w),
                            mfa: None,
                            on_source_expired: None,
                        },
                        time,
                        sleep,
                        client_base,
                        parent,
                    )
                    .await;
            }
        };
        // The MFA session strategy puts a GetSessionToken session between the source
        // and the role.
        let (source, on_source_expired, mfa_for_calls) = match &self.mfa() {
            Some(m) if matches!(m.strategy, MfaStrategy::SessionToken { .. }) => {
                let duration = match m.strategy {
                    MfaStrategy::SessionToken { duration } => duration,
                    MfaStrategy::EachAssume => Duration::from_secs(43_200),
                };
                let engine = mfa_session_engine(
                    &role,
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
            other => (source, on_parent_expired, other.clone()),
        };
        self.start_engine(
            role,
            Calls {
                sts: sts_client(&sts_base, source),
                web_identity: None,
                mfa: mfa_for_calls,
                on_source_expired,
            },
            time,
            sleep,
            client_base,
            parent,
        )
        .await
    }

    /// The engine that makes the session's `calls`, and the session's
    /// configuration for clients (`client_base` with the engine's credentials).
    async fn start_engine(
        self,
        role: xrole_core::RoleArn,
        calls: Calls,
        time: SharedTimeSource,
        sleep: SharedAsyncSleep,
        client_base: SdkConfig,
        parent: Option<&AssumedRole>,
    ) -> Result<AssumedRole, Error> {
        let Calls {
            sts,
            web_identity,
            mfa: mfa_for_calls,
            on_source_expired,
        } = calls;
        let session_name = self
            .spec
            .spec()
            .session_name()
            .cloned()
            .unwrap_or_else(default_session_name);
        let eager = self.eager;
        let params = Arc::new(Params {
            request: self,
            session_name: session_name.clone(),
            mfa: mfa_for_calls,
            web_identity,
        });
        let fetch: Fetch = Arc::new(move || {
            let sts = sts.clone();
            let params = params.clone();
            Box::pin(async move { params.assume(&sts).await })
        });
        let engine = Engine::new(role, session_name, fetch, time, sleep, on_source_expired);
        let provider = SharedCredentialsProvider::new(EngineProvider(engine.clone()));
        let config = client_base
            .to_builder()
            .identity_cache(SessionIdentityCache::new(engine.clone(), &provider))
            .credentials_provider(provider)
            .build();
        let session = AssumedRole::new(engine, config, client_base, parent.cloned());
        if eager {
            session.load().await?;
        }
        Ok(session)
    }
}

/// How a session calls STS: the client, and what goes with each call.
struct Calls {
    sts: aws_sdk_sts::Client,
    /// The token source of a web identity session (its calls are unsigned).
    web_identity: Option<WebIdentity>,
    /// The MFA device whose code goes with each call (the each-assume strategy).
    mfa: Option<super::Mfa>,
    /// Told when STS says the source credentials expired.
    on_source_expired: Option<Arc<dyn Fn() + Send + Sync>>,
}
