//! What the server remembers between requests: the world, the sessions it issued
//! (dropped once expired, and at most a set number), the faults in force and the
//! audit log (a bounded ring with exact counters).

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use xrole_core::{PrincipalArn, RoleArn, SessionTag, SourceIdentity};

use super::audit::AuditEntry;
use super::clock::Clock;
use super::faults::Faults;
use super::limits::Limits;
use super::signin_tokens::SigninTokens;
use xrole_iam::eval::{Caller, CompiledPolicy};
use xrole_iam::recording::Recording;
use xrole_iam::world::World;

/// Temporary credentials issued by the server.
#[derive(Clone)]
pub(crate) struct Session {
    pub(crate) secret: String,
    pub(crate) token: String,
    pub(crate) expiration: SystemTime,
    /// The session's ARN: `assumed-role/...` for a role, the user's ARN for
    /// GetSessionToken, `federated-user/...` for GetFederationToken.
    pub(crate) arn: PrincipalArn,
    pub(crate) user_id: String,
    /// Whose policies the session's calls are judged by.
    pub(crate) issuer: Issuer,
    /// Who its calls are made by: [`Issuer::caller`], built once when issued
    /// rather than at every call.
    pub(crate) caller: Caller,
    pub(crate) mfa_at: Option<SystemTime>,
    pub(crate) source_identity: Option<SourceIdentity>,
    /// Principal tags: the role's tags overridden by session tags.
    pub(crate) tags: Vec<SessionTag>,
    /// Tags that pass on to sessions chained from this one.
    pub(crate) transitive: Vec<SessionTag>,
    pub(crate) session_policies: Vec<CompiledPolicy>,
}

/// Who a session was issued for: its calls are judged by that identity's policies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Issuer {
    /// GetSessionToken: the user itself, whose ARN the session carries.
    User,
    /// AssumeRole: the role, with its path.
    Role(RoleArn),
    /// GetFederationToken: the IAM user federated, whose policies the session
    /// policies narrow.
    Federation(PrincipalArn),
}

impl Issuer {
    /// Who a session of `arn` issued this way calls as: an assumed role's
    /// session with its role (the path included), a federated user's with the
    /// user it was issued to.
    pub(crate) fn caller(&self, arn: &PrincipalArn) -> Caller {
        match self {
            Issuer::User => Caller::new(arn.clone()),
            Issuer::Role(role) => Caller::new(arn.clone()).with_role(role.clone()),
            Issuer::Federation(user) => Caller::new(arn.clone()).federated_by(user.clone()),
        }
    }
}

/// The live sessions by access key id. An expired session is dropped when the next
/// one is issued (its token still tells it expired: see `keys::token_expiry`); when
/// `capacity` sessions live, the one closest to expiry makes room.
pub(crate) struct Sessions {
    by_key: HashMap<String, Session>,
    by_expiry: BTreeSet<(SystemTime, String)>,
    capacity: usize,
}

impl Sessions {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            by_key: HashMap::new(),
            by_expiry: BTreeSet::new(),
            capacity: capacity.max(1),
        }
    }

    pub(crate) fn get(&self, key_id: &str) -> Option<&Session> {
        self.by_key.get(key_id)
    }

    pub(crate) fn insert(&mut self, key_id: String, session: Session, now: SystemTime) {
        while let Some((at, _)) = self.by_expiry.first()
            && (*at <= now || self.by_key.len() >= self.capacity)
        {
            if let Some((_, old)) = self.by_expiry.pop_first() {
                self.by_key.remove(&old);
            }
        }
        self.by_expiry.insert((session.expiration, key_id.clone()));
        self.by_key.insert(key_id, session);
    }

    pub(crate) fn len(&self) -> usize {
        self.by_key.len()
    }
}

/// The last `capacity` calls, and exact counts of every call since the log was
/// last cleared.
/// The most bytes the audit log's entries hold, whatever their number: the
/// oldest go first.
pub(crate) const MAX_AUDIT_BYTES: usize = 32 * 1024 * 1024;

pub(crate) struct AuditLog {
    entries: VecDeque<AuditEntry>,
    capacity: usize,
    /// The bytes the entries hold, and the most they may.
    bytes: usize,
    max_bytes: usize,
    dropped: u64,
    /// Calls by action, for the operations the server knows.
    actions: HashMap<&'static str, u64>,
    /// Failed calls by error code.
    errors: HashMap<String, u64>,
}

impl AuditLog {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            entries: VecDeque::new(),
            capacity,
            bytes: 0,
            max_bytes: MAX_AUDIT_BYTES,
            dropped: 0,
            actions: HashMap::new(),
            errors: HashMap::new(),
        }
    }

    pub(crate) fn push(&mut self, entry: AuditEntry) {
        if let Some(action) = entry
            .action
            .as_deref()
            .and_then(super::actions::known_action)
        {
            *self.actions.entry(action).or_default() += 1;
        }
        if let Some(code) = &entry.error {
            *self.errors.entry(code.clone()).or_default() += 1;
        }
        let entry = entry.bounded();
        let size = entry.size();
        if self.capacity == 0 || size > self.max_bytes {
            self.dropped += 1;
            return;
        }
        while self.entries.len() >= self.capacity || self.bytes + size > self.max_bytes {
            let Some(old) = self.entries.pop_front() else {
                break;
            };
            self.bytes -= old.size();
            self.dropped += 1;
        }
        self.bytes += size;
        self.entries.push_back(entry);
    }

    /// The bytes the kept entries hold (at most [`MAX_AUDIT_BYTES`]).
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }

    pub(crate) fn entries(&self) -> impl DoubleEndedIterator<Item = &AuditEntry> {
        self.entries.iter()
    }

    pub(crate) fn count_action(&self, action: &str) -> u64 {
        self.actions.get(action).copied().unwrap_or(0)
    }

    pub(crate) fn count_error(&self, code: &str) -> u64 {
        self.errors.get(code).copied().unwrap_or(0)
    }

    pub(crate) fn dropped(&self) -> u64 {
        self.dropped
    }

    pub(crate) fn clear(&mut self) {
        *self = Self::new(self.capacity);
    }
}

pub(crate) struct State {
    pub(crate) world: World,
    pub(crate) sessions: Sessions,
    pub(crate) faults: Faults,
    pub(crate) audit: AuditLog,
    pub(crate) calls: u64,
    pub(crate) lifetime_override: Option<Duration>,
    pub(crate) source_ips: HashMap<String, IpAddr>,
    /// The federation endpoint's sign-in tokens.
    pub(crate) signin_tokens: SigninTokens,
    /// The checks of the calls `authorize_http` decides, while recording.
    pub(crate) recording: Option<Recording>,
    /// IAM Identity Center's clients, sign-ins and tokens.
    pub(crate) sso: crate::identity_center::SsoState,
}

impl State {
    pub(crate) fn new(world: World, limits: &Limits) -> Self {
        Self {
            world,
            sessions: Sessions::new(limits.max_sessions),
            faults: Faults::default(),
            audit: AuditLog::new(limits.audit_capacity),
            calls: 0,
            lifetime_override: None,
            source_ips: HashMap::new(),
            signin_tokens: SigninTokens::new(limits.max_sessions),
            recording: None,
            sso: Default::default(),
        }
    }
}

/// What the server's tasks share.
pub(crate) struct Inner {
    pub(crate) clock: Clock,
    pub(crate) limits: Limits,
    pub(crate) state: Mutex<State>,
    pub(crate) gateway: crate::gateway::Gateway,
}

impl Inner {
    /// The state; a panic elsewhere while holding the lock leaves usable data behind.
    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    fn session(expiration: SystemTime) -> Session {
        Session {
            secret: String::new(),
            token: String::new(),
            expiration,
            arn: "arn:aws:iam::111111111111:user/alice".parse().unwrap(),
            user_id: String::new(),
            issuer: Issuer::User,
            caller: Caller::new("arn:aws:iam::111111111111:user/alice".parse().unwrap()),
            mfa_at: None,
            source_identity: None,
            tags: Vec::new(),
            transitive: Vec::new(),
            session_policies: Vec::new(),
        }
    }

    #[test]
    fn expired_sessions_are_dropped_when_the_next_is_issued() {
        let t0 = UNIX_EPOCH + Duration::from_secs(1_000_000);
        let mut sessions = Sessions::new(100);
        for i in 0..50 {
            sessions.insert(format!("A{i}"), session(t0 + Duration::from_secs(60)), t0);
        }
        assert_eq!(sessions.len(), 50);
        sessions.insert(
            "B".into(),
            session(t0 + Duration::from_secs(3600)),
            t0 + Duration::from_secs(61),
        );
        assert_eq!(sessions.len(), 1);
        assert!(sessions.get("B").is_some());
    }

    #[test]
    fn at_capacity_the_session_closest_to_expiry_makes_room() {
        let t0 = UNIX_EPOCH + Duration::from_secs(1_000_000);
        let mut sessions = Sessions::new(3);
        for (key, secs) in [("late", 900), ("soon", 100), ("mid", 500), ("new", 700)] {
            sessions.insert(key.into(), session(t0 + Duration::from_secs(secs)), t0);
        }
        assert_eq!(sessions.len(), 3);
        assert!(sessions.get("soon").is_none());
        assert!(sessions.get("late").is_some() && sessions.get("new").is_some());
    }

    #[test]
    fn the_audit_log_keeps_the_last_entries_and_exact_counts() {
        let mut log = AuditLog::new(2);
        for call in 1..=5 {
            log.push(AuditEntry {
                call,
                time: UNIX_EPOCH,
                request_id: String::new(),
                action: Some("AssumeRole".into()),
                caller: None,
                access_key_id: None,
                parameters: Vec::new(),
                decision: None,
                error: (call % 2 == 0).then(|| "AccessDenied".into()),
                detail: None,
            });
        }
        assert_eq!(log.entries().map(|e| e.call).collect::<Vec<_>>(), [4, 5]);
        assert_eq!(log.dropped(), 3);
        assert_eq!(log.count_action("AssumeRole"), 5);
        assert_eq!(log.count_error("AccessDenied"), 2);
    }
}
