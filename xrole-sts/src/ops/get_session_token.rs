//! GetSessionToken: temporary credentials for a user's long-term keys, with MFA when
//! a code is sent.

use super::super::caller::Principal;
use super::super::error::StsError;
use super::super::query::Query;
use super::super::state::Issuer;
use super::super::xml;
use super::params::{Decode, long_duration};
use super::{Call, REQUEST_ID_SLOT, issue, long_term_only, new_session};

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
    let (key_id, mut session) = new_session(
        inner,
        now,
        duration,
        principal.arn.clone(),
        principal.user_id.clone(),
        Issuer::User,
    );
    session.mfa_at = with_mfa.then_some(now);
    session.tags = principal.tags.clone();
    Ok(xml::response("GetSessionToken", REQUEST_ID_SLOT, |x| {
        issue(inner, session, x, &key_id, now)
    }))
}
