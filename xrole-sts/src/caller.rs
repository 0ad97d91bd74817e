//! Who signed a request: the caller, from an issued session or a user's long-term
//! key, with the policies, tags and MFA state its calls are decided with.

use std::time::SystemTime;

use xrole_core::{AccountId, PrincipalArn, RoleArn, SessionTag, SourceIdentity};

use super::auth;
use super::error::{ErrorCode, StsError};
use super::query::echo;
use super::state::{Inner, Issuer};
use xrole_iam::eval::{Caller, Mfa, PolicySet};
use xrole_iam::keys;
use xrole_iam::world::User;

/// Who signed a request.
pub(crate) struct Principal {
    pub(crate) caller: Caller,
    pub(crate) arn: PrincipalArn,
    pub(crate) user_id: String,
    pub(crate) account: AccountId,
    pub(crate) policies: PolicySet,
    pub(crate) tags: Vec<SessionTag>,
    pub(crate) transitive: Vec<SessionTag>,
    pub(crate) mfa: Mfa,
    /// An assumed-role session: AssumeRole with it is role chaining.
    pub(crate) chained: bool,
    pub(crate) source_identity: Option<SourceIdentity>,
    /// The user behind long-term keys (GetSessionToken and MFA need one).
    pub(crate) user: Option<User>,
    pub(crate) long_term: bool,
    /// The access key id that signed the request.
    pub(crate) access_key_id: String,
}

pub(crate) fn authenticate(
    inner: &Inner,
    req: &auth::HttpRequest<'_>,
    now: SystemTime,
) -> Result<Principal, StsError> {
    let auth = auth::parse_authorization(req.headers)?;
    let token = req
        .headers
        .get("x-amz-security-token")
        .and_then(|v| v.to_str().ok());
    let (principal, secret) = signer(inner, &auth.key_id, token, now)?;
    auth::verify(&auth, req, &secret, token, now)?;
    let state = inner.state();
    if auth.service != "sts" {
        return Err(StsError::new(
            ErrorCode::SignatureDoesNotMatch,
            format!(
                "Credential should be scoped to correct service: 'sts', not '{}'.",
                echo(&auth.service)
            ),
        ));
    }
    if state.world.region_disabled(principal.account, &auth.region) {
        return Err(StsError::new(
            ErrorCode::RegionDisabledException,
            format!(
                "STS is not activated in this region for account:{}. Your account administrator can activate STS in this region using the IAM Console.",
                principal.account
            ),
        ));
    }
    Ok(principal)
}

/// The principal whose key `key_id` is (a session this server issued, with its
/// `token`, or a world user's long-term key), and the secret it signs with;
/// the signature itself is the caller's to check.
pub(crate) fn signer(
    inner: &Inner,
    key_id: &str,
    token: Option<&str>,
    now: SystemTime,
) -> Result<(Principal, String), StsError> {
    let state = inner.state();
    let principal = if let Some(session) = state.sessions.get(key_id) {
        if token != Some(session.token.as_str()) {
            return Err(StsError::of(ErrorCode::InvalidClientTokenId));
        }
        if now >= session.expiration {
            return Err(StsError::of(ErrorCode::ExpiredTokenException));
        }
        let account = session
            .arn
            .account()
            .ok_or_else(|| StsError::of(ErrorCode::InternalFailure))?;
        let (caller, policies, chained, user) = match &session.issuer {
            Issuer::Role(role_arn) => {
                let (_, _, compiled) = state
                    .world
                    .role_compiled(role_arn)
                    .ok_or_else(|| StsError::of(ErrorCode::InvalidClientTokenId))?;
                (
                    session.caller.clone(),
                    compiled.policy_set(session.session_policies.clone()),
                    true,
                    None,
                )
            }
            Issuer::User => {
                let (user, compiled) = state
                    .world
                    .user_compiled(&session.arn)
                    .ok_or_else(|| StsError::of(ErrorCode::InvalidClientTokenId))?;
                (
                    session.caller.clone(),
                    compiled.policy_set(Vec::new()),
                    false,
                    Some(user.clone()),
                )
            }
            // The user's policies narrowed by the session policies (none: no
            // permissions); the user's long-term key stays the user's own.
            Issuer::Federation(user_arn) => {
                let (_, compiled) = state
                    .world
                    .user_compiled(user_arn)
                    .ok_or_else(|| StsError::of(ErrorCode::InvalidClientTokenId))?;
                (
                    session.caller.clone(),
                    compiled.policy_set(session.session_policies.clone()),
                    false,
                    None,
                )
            }
        };
        let principal = Principal {
            caller,
            arn: session.arn.clone(),
            user_id: session.user_id.clone(),
            account,
            policies,
            tags: session.tags.clone(),
            transitive: session.transitive.clone(),
            mfa: match session.mfa_at {
                Some(at) => Mfa::Present {
                    age_secs: now.duration_since(at).map_or(0, |d| d.as_secs()),
                },
                None => Mfa::Absent,
            },
            chained,
            source_identity: session.source_identity.clone(),
            user,
            long_term: false,
            access_key_id: key_id.to_owned(),
        };
        (principal, session.secret.clone())
    } else if let Some((user, compiled)) = state.world.user_by_key(key_id) {
        if token.is_some() {
            return Err(StsError::of(ErrorCode::InvalidClientTokenId));
        }
        let key = user
            .access_keys()
            .iter()
            .find(|k| k.id == key_id)
            .ok_or_else(|| StsError::of(ErrorCode::InvalidClientTokenId))?;
        let account = user
            .arn()
            .account()
            .ok_or_else(|| StsError::of(ErrorCode::InternalFailure))?;
        let principal = Principal {
            caller: Caller::new(user.arn().clone()),
            arn: user.arn().clone(),
            user_id: user_id_of(user),
            account,
            policies: compiled.policy_set(Vec::new()),
            tags: user.tags().to_vec(),
            transitive: Vec::new(),
            mfa: Mfa::LongTermKeys,
            chained: false,
            source_identity: None,
            user: Some(user.clone()),
            long_term: true,
            access_key_id: key_id.to_owned(),
        };
        (principal, key.secret().to_owned())
    } else if token
        .and_then(keys::token_expiry)
        .is_some_and(|expiry| expiry <= now)
    {
        // A session dropped after it expired: its token still says so.
        return Err(StsError::of(ErrorCode::ExpiredTokenException));
    } else {
        return Err(StsError::of(ErrorCode::InvalidClientTokenId));
    };
    Ok(principal)
}

/// A stable user id (`AIDA...`) per user, derived from its ARN.
pub(crate) fn user_id_of(user: &User) -> String {
    let digest: u64 = user
        .arn()
        .as_str()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
    format!("AIDA{digest:017X}")
}

/// A stable role id (`AROA...`) per role.
pub(crate) fn role_id_of(role: &RoleArn) -> String {
    let digest: u64 = role.as_str().bytes().fold(0x8422_2325_cbf2_9ce4, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    format!("AROA{digest:017X}")
}
