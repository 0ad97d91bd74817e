//! The operations: each decides one authenticated call over its decoded parameters.

mod assume_role;
mod assume_role_with_web_identity;
mod get_federation_token;
mod get_session_token;
mod params;

use std::net::IpAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use xrole_core::{
    MfaSerial, OrgDenial, PrincipalArn, RoleArn, SessionDuration, SessionName, TokenCode,
};

use super::actions::{UNSIGNED_ACTION, VERSION, known_action};
use super::audit::AuditEntry;
use super::auth;
use super::caller::{Principal, authenticate, role_id_of};
use super::error::{ErrorCode, StsError};
use super::query::{Query, echo};
use super::state::{Inner, Issuer, Session};
use super::xml;
use xrole_iam::eval::StsCall;
use xrole_iam::keys;

/// Answers are built before the request id is known to them; this marks its place.
pub(crate) const REQUEST_ID_SLOT: &str = "\u{1}request-id\u{1}";

/// Authenticates the call (but for the unsigned AssumeRoleWithWebIdentity, whose
/// token is its credential) and runs its operation; the audit entry gains the
/// caller, the parameters and the decision.
pub(crate) fn serve(
    inner: &Inner,
    req: &auth::HttpRequest<'_>,
    query: &Query,
    entry: &mut AuditEntry,
) -> Result<String, StsError> {
    let now = inner.clock.now();
    let action = query.get("Action").unwrap_or_default();
    let Some(action) = known_action(action) else {
        return Err(StsError::new(
            ErrorCode::InvalidAction,
            format!(
                "Could not find operation {} for version {VERSION}",
                echo(action)
            ),
        ));
    };
    if let Some(version) = query.get("Version")
        && version != VERSION
    {
        return Err(StsError::new(
            ErrorCode::InvalidAction,
            format!(
                "Could not find operation {action} for version {}",
                echo(version)
            ),
        ));
    }
    let call = |entry| Call {
        inner,
        query,
        now,
        peer: req.peer.ip(),
        entry,
    };
    if action == UNSIGNED_ACTION {
        return assume_role_with_web_identity::serve(call(entry));
    }
    let principal = authenticate(inner, req, now)?;
    entry.caller = Some(principal.arn.to_string());
    entry.access_key_id = Some(principal.access_key_id.clone());
    entry.parameters = query.audited();
    match action {
        "GetCallerIdentity" => Ok(xml::response("GetCallerIdentity", REQUEST_ID_SLOT, |x| {
            x.text("Arn", principal.arn.as_str())
                .text("UserId", &principal.user_id)
                .text("Account", principal.account.as_str());
        })),
        "GetSessionToken" => get_session_token::serve(call(entry), &principal),
        "GetFederationToken" => get_federation_token::serve(call(entry), &principal),
        _ => assume_role::serve(call(entry), &principal),
    }
}

/// What every operation is given: the server, the decoded request, when it came
/// and from where, and the audit entry it fills.
pub(super) struct Call<'a> {
    pub(super) inner: &'a Inner,
    pub(super) query: &'a Query,
    pub(super) now: SystemTime,
    pub(super) peer: IpAddr,
    pub(super) entry: &'a mut AuditEntry,
}

impl Call<'_> {
    /// The operation's input, and whether a device of `mfa_of` accepted the
    /// request's MFA code (for the operations that take one): every problem of
    /// both at once.
    fn decode<I: params::Decode>(&self, mfa_of: Option<&Principal>) -> Result<(I, bool), StsError> {
        let mut problems = Vec::new();
        let input = I::decode(self.query, &mut problems);
        let with_mfa = match mfa_of {
            Some(principal) => check_mfa(principal, self.query, &mut problems)?,
            None => false,
        };
        Ok((params::decoded(input, &problems)?, with_mfa))
    }
}

/// STS refuses `action` to session credentials: only an IAM user's long-term keys
/// may call it (GetSessionToken, GetFederationToken).
fn long_term_only(principal: &Principal, action: &str) -> Result<(), StsError> {
    if principal.long_term {
        return Ok(());
    }
    Err(StsError::new(
        ErrorCode::AccessDenied,
        format!("Cannot call {action} with session credentials"),
    ))
}

/// STS's `AccessDenied` for an action the caller may not perform on `resource`,
/// naming the organization's policy type when one refused.
fn not_authorized(
    principal: &Principal,
    action: &str,
    resource: &str,
    org: Option<OrgDenial>,
) -> StsError {
    StsError::new(
        ErrorCode::AccessDenied,
        format!(
            "User: {} is not authorized to perform: {action} on resource: {resource}{}",
            principal.arn,
            org.map(|o| o.suffix(action)).unwrap_or_default()
        ),
    )
}

/// The circumstances STS puts in the context of the caller's requests: its tags
/// and MFA, its address (as the harness set it, else the peer's), HTTPS, now.
pub(crate) fn sts_call(
    inner: &Inner,
    principal: &Principal,
    peer: IpAddr,
    now: SystemTime,
) -> StsCall {
    let mut call = StsCall::new(
        principal.caller.clone(),
        now.duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64),
    );
    call.mfa = principal.mfa;
    call.source_ip = Some(
        inner
            .state()
            .source_ips
            .get(principal.arn.as_str())
            .copied()
            .unwrap_or(peer),
    );
    call.principal_tags = principal.tags.clone();
    call
}

fn format_time(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    time::OffsetDateTime::from_unix_timestamp(secs as i64)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// A new session of `role` (its ARN with the path) named `session_name`, lasting
/// `duration` from `now`: its ARN (`assumed-role/ROLE/SESSION`, no path), its
/// unique id (`ROLEID:SESSION`), fresh keys, and no MFA, source identity, tags or
/// session policy yet (the operation sets what it decided). Returns the access key
/// id with it.
pub(crate) fn role_session(
    inner: &Inner,
    role: &RoleArn,
    session_name: &SessionName,
    duration: SessionDuration,
    now: SystemTime,
) -> Result<(String, Session), StsError> {
    let arn = role
        .session_arn(session_name.as_str())
        .map_err(|_| StsError::of(ErrorCode::InternalFailure))?;
    Ok(new_session(
        inner,
        now,
        u64::from(duration.as_secs()),
        arn,
        format!("{}:{session_name}", role_id_of(role)),
        Issuer::Role(role.clone()),
    ))
}

/// A session of `arn` lasting `lifetime_secs` (or the server's override), with
/// fresh keys and nothing else yet (no MFA, source identity, tags or session
/// policies): its access key id and itself.
fn new_session(
    inner: &Inner,
    now: SystemTime,
    lifetime_secs: u64,
    arn: PrincipalArn,
    user_id: String,
    issuer: Issuer,
) -> (String, Session) {
    let expiration = expiration(inner, now, lifetime_secs);
    let session = Session {
        secret: keys::secret_access_key(),
        token: keys::session_token(expiration),
        expiration,
        caller: issuer.caller(&arn),
        arn,
        user_id,
        issuer,
        mfa_at: None,
        source_identity: None,
        tags: Vec::new(),
        transitive: Vec::new(),
        session_policies: Vec::new(),
    };
    (keys::access_key_id("ASIA"), session)
}

/// `<AssumedRoleUser>` of a role session.
fn assumed_role_user(x: &mut xml::Xml, session: &Session) {
    x.open("AssumedRoleUser")
        .text("Arn", session.arn.as_str())
        .text("AssumedRoleId", &session.user_id)
        .close("AssumedRoleUser");
}

/// Issues credentials, records the session, and writes `<Credentials>`.
fn issue(inner: &Inner, session: Session, x: &mut xml::Xml, key_id: &str, now: SystemTime) {
    x.open("Credentials")
        .text("AccessKeyId", key_id)
        .text("SecretAccessKey", &session.secret)
        .text("SessionToken", &session.token)
        .text("Expiration", &format_time(session.expiration))
        .close("Credentials");
    inner
        .state()
        .sessions
        .insert(key_id.to_owned(), session, now);
}

/// When credentials issued now for `requested` seconds expire: on a second boundary,
/// as STS's do, unless the harness shortened every lifetime.
fn expiration(inner: &Inner, now: SystemTime, requested: u64) -> SystemTime {
    let lifetime = inner
        .state()
        .lifetime_override
        .unwrap_or(Duration::from_secs(requested));
    let t = now + lifetime;
    UNIX_EPOCH + Duration::from_secs(t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()))
}

/// Checks `SerialNumber` and `TokenCode`: `Ok(true)` when a device of the caller
/// accepted the code, `Ok(false)` when no MFA was sent (or a parameter is invalid:
/// then `problems` says why).
fn check_mfa(
    principal: &Principal,
    query: &Query,
    problems: &mut Vec<String>,
) -> Result<bool, StsError> {
    let Some(serial) = query.get("SerialNumber") else {
        return Ok(false);
    };
    if let Err(e) = MfaSerial::parse(serial) {
        problems.push(super::query::constraint(serial, "serialNumber", &e));
    }
    let code = query.get("TokenCode");
    if let Some(c) = code
        && let Err(e) = TokenCode::parse(c)
    {
        problems.push(format!(
            "Value at 'tokenCode' failed to satisfy constraint: {}",
            e.message()
        ));
    }
    if !problems.is_empty() {
        return Ok(false);
    }
    let failed = || {
        StsError::new(
            ErrorCode::AccessDenied,
            "MultiFactorAuthentication failed with invalid MFA one time pass code. ",
        )
    };
    let device = principal
        .user
        .as_ref()
        .and_then(|u| u.mfa_device_for(serial))
        .ok_or_else(failed)?;
    match code {
        Some(c) if device.accepts(c) => Ok(true),
        _ => Err(failed()),
    }
}
