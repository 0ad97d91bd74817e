//! The process-wide registry: one session per role session declared, shared by every
//! client and every annotated item (see [`crate::registry`]). Sessions enter it
//! through [`AssumeRole::shared`], the one way to share.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, LazyLock, Weak};

use aws_types::SdkConfig;

use super::{AssumeRole, SessionKey, SourceKey, Upstream, source_key};
use crate::Error;
use crate::role::{AssumedRole, RoleInner};

/// A session's identity: its parameters and who assumes it (the access key id of
/// the source credentials, or the web identity source).
type Key = (SessionKey, SourceKey);

static SESSIONS: LazyLock<Registry<Key, RoleInner>> = LazyLock::new(Registry::new);

/// Values by key, each held weakly: a value lives as long as someone outside holds
/// it, and the registry never keeps one alive.
struct Registry<K, T>(tokio::sync::Mutex<HashMap<K, Weak<T>>>);

impl<K: Eq + Hash, T> Registry<K, T> {
    fn new() -> Self {
        Self(tokio::sync::Mutex::new(HashMap::new()))
    }

    /// The live value for `key`, else the one `start` makes, which is kept for the
    /// next caller. Callers of one key wait for each other; `start` must not wait
    /// on the network.
    async fn get_or_start<E, Fut>(&self, key: K, start: impl FnOnce() -> Fut) -> Result<Arc<T>, E>
    where
        Fut: Future<Output = Result<Arc<T>, E>>,
    {
        let mut values = self.0.lock().await;
        values.retain(|_, weak| weak.strong_count() > 0);
        if let Some(value) = values.get(&key).and_then(Weak::upgrade) {
            return Ok(value);
        }
        let value = start().await?;
        values.insert(key, Arc::downgrade(&value));
        Ok(value)
    }

    /// How many values are alive.
    async fn live(&self) -> usize {
        self.0
            .lock()
            .await
            .values()
            .filter(|w| w.strong_count() > 0)
            .count()
    }
}

/// The session for `request` on `source` credentials (with `base`'s settings; from
/// `parent` when chained): the one already live in this process if there is one
/// (every parameter sent to STS the same, same source credentials, same region and
/// endpoints), else a new one. Sessions live as long as someone holds them.
///
/// When the source credentials cannot be resolved now, the session is not shared:
/// nothing proves two such callers are the same.
pub(crate) async fn shared(
    request: AssumeRole,
    base: &SdkConfig,
    source: Upstream,
    parent: Option<&AssumedRole>,
) -> Result<AssumedRole, Error> {
    let Some(source_id) = source_key(&source).await else {
        return request.start(base, source, parent).await;
    };
    let key = (request.session_key(base), source_id);
    let eager = request.is_eager();
    // Started lazily under the lock; loaded outside it, so one slow STS call
    // holds no other role.
    let inner = SESSIONS
        .get_or_start(key, || async move {
            let role = request.eager(false).start(base, source, parent).await?;
            Ok::<_, Error>(role.inner)
        })
        .await?;
    let role = AssumedRole { inner };
    if eager {
        role.load().await?;
    }
    Ok(role)
}

/// How many sessions the registry holds alive.
pub async fn live_sessions() -> usize {
    SESSIONS.live().await
}
