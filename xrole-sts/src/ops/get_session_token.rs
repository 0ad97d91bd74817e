//! GetSessionToken: temporary credentials for a user's long-term keys, with MFA when
//! a code is sent.

use super::super::caller::Principal;
use super::super::error::StsError;
use super::super::query::Query;
use super::super::state::{Issuer, Session};
use super::super::xml;
use super::params::{Decode, long_duration};
use super::{Call, REQUEST_ID_SLOT, expiration, issue, long_term_only};
use xrole_iam::keys;

/// GetSessionToken's parameters (MFA aside: `check_mfa` reads them with the
/// caller's devices), decoded once.
struct Input {
    /// Seconds (default 12 hours).
    duration: u64,
}

impl Decode for Input {
    fn decode(query: &Query, problems: &mut Vec<String>) -> Option<Self> {
        Some(Self {
            duration: long_duration(query, problems)?,
        })
    }
}

pub(super) fn serve(call: Call<'_>, principal: &Principal) -> Result<String, StsError> {
    long_term_only(principal, "GetSessionToken")?;
    let (Input { duration }, with_mfa) = call.decode(Some(principal))?;
    let Call { inner, now, .. } = call;
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
