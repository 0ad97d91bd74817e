//! GetSessionToken: temporary credentials for a user's long-term keys, with MFA when
//! a code is sent.

use std::time::SystemTime;

use super::super::caller::Principal;
use super::super::error::{ErrorCode, StsError};
use super::super::query::Query;
use super::super::state::{Inner, Issuer, Session};
use super::super::xml;
use super::params::{decoded, long_duration};
use super::{REQUEST_ID_SLOT, check_mfa, expiration, issue};
use xrole_iam::keys;

/// GetSessionToken's parameters (MFA aside: `check_mfa` reads them with the
/// caller's devices), decoded once.
struct Input {
    /// Seconds (default 12 hours).
    duration: u64,
}

impl Input {
    fn decode(query: &Query, problems: &mut Vec<String>) -> Option<Self> {
        Some(Self {
            duration: long_duration(query, problems)?,
        })
    }
}

pub(super) fn serve(
    inner: &Inner,
    principal: &Principal,
    query: &Query,
    now: SystemTime,
) -> Result<String, StsError> {
    if !principal.long_term {
        return Err(StsError::new(
            ErrorCode::AccessDenied,
            "Cannot call GetSessionToken with session credentials",
        ));
    }
    let mut problems = Vec::new();
    let input = Input::decode(query, &mut problems);
    let with_mfa = check_mfa(principal, query, &mut problems)?;
    let Input { duration } = decoded(input, &problems)?;
    let key_id = keys::access_key_id("ASIA");
    let expiration = expiration(inner, now, duration);
    let session = Session {
        secret: keys::secret_access_key(),
        token: keys::session_token(expiration),
        expiration,
        arn: principal.arn.clone(),
        user_id: principal.user_id.clone(),
        issuer: Issuer::User,
        mfa_at: with_mfa.then_some(now),
        source_identity: None,
        tags: principal.tags.clone(),
        transitive: Vec::new(),
        session_policies: Vec::new(),
    };
    Ok(xml::response("GetSessionToken", REQUEST_ID_SLOT, |x| {
        issue(inner, session, x, &key_id, now)
    }))
}
