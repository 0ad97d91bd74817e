//! The process-wide registry: one session per role session declared, shared by every
//! client and every annotated item.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Weak};

use aws_types::SdkConfig;

use crate::assume::source_key;
use crate::role::{AssumedRole, RoleInner};
use crate::{AssumeRole, Error};

static SESSIONS: LazyLock<tokio::sync::Mutex<HashMap<String, Weak<RoleInner>>>> =
    LazyLock::new(|| tokio::sync::Mutex::new(HashMap::new()));

/// The session for `request` with `base`'s credentials: the one already live in this
/// process if there is one (same parameters, same source credentials, same
/// endpoint), else a new one. Sessions live as long as someone holds them.
pub async fn shared(request: AssumeRole, base: &SdkConfig) -> Result<AssumedRole, Error> {
    let source = match base.credentials_provider() {
        Some(p) => source_key(&p).await.unwrap_or_default(),
        None => String::new(),
    };
    let key = format!(
        "{request:?}|source={source}|region={:?}|endpoint={:?}",
        base.region().map(|r| r.as_ref().to_owned()),
        base.endpoint_url()
    );
    let mut sessions = SESSIONS.lock().await;
    sessions.retain(|_, weak| weak.strong_count() > 0);
    if let Some(inner) = sessions.get(&key).and_then(Weak::upgrade) {
        return Ok(AssumedRole { inner });
    }
    let eager = request.is_eager();
    let role = request.eager(false).build(base).await?;
    sessions.insert(key, Arc::downgrade(&role.inner));
    drop(sessions);
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
