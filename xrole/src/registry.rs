//! The process-wide registry: one session per role session declared, shared by every
//! client and every annotated item. Sessions enter it through
//! [`AssumeRole::shared`](crate::AssumeRole::shared), the one way to share.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Weak};

use aws_types::SdkConfig;

use crate::assume::{SessionKey, SourceKey, Upstream, source_key};
use crate::role::{AssumedRole, RoleInner};
use crate::{AssumeRole, Error};

/// A session's identity: its parameters and who assumes it (the access key id of
/// the source credentials, or the web identity source).
type Key = (SessionKey, SourceKey);

static SESSIONS: LazyLock<tokio::sync::Mutex<HashMap<Key, Weak<RoleInner>>>> =
    LazyLock::new(|| tokio::sync::Mutex::new(HashMap::new()));

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
    let mut sessions = SESSIONS.lock().await;
    sessions.retain(|_, weak| weak.strong_count() > 0);
    let role = match sessions.get(&key).and_then(Weak::upgrade) {
        Some(inner) => AssumedRole { inner },
        None => {
            let role = request.eager(false).start(base, source, parent).await?;
            sessions.insert(key, Arc::downgrade(&role.inner));
            role
        }
    };
    drop(sessions);
    // Loaded outside the lock: one slow STS call must not hold every other role.
    if eager {
        role.load().await?;
    }
    Ok(role)
}

/// How many sessions the registry holds alive.
pub async fn live_sessions() -> usize {
    SESSIONS
        .lock()
        .await
        .values()
        .filter(|w| w.strong_count() > 0)
        .count()
}
