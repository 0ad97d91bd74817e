//! AssumeRoleWithWebIdentity: unsigned, as in AWS. The token is verified first
//! (`sts/web_identity.rs`), then the role's trust policy decides with the token's
//! claims as context keys (and `sts:TagSession` / `sts:SetSourceIdentity` for the
//! session tags and source identity it carries), and a session of the role is
//! issued.

use xrole_core::{DenialKind, RoleArn, SessionDuration, SessionName, WEB_IDENTITY_TOKEN_CHARS};

use super::super::audit::AuditEntry;
use super::super::error::{ErrorCode, StsError};
use super::super::query::{Query, echo};
use super::super::web_identity::{VerifiedToken, provider_of, unverified_issuer, verify};
use super::super::xml;
use super::params::{
    Decode, SessionPolicies, principal_tags, required, role_and_session_name, role_duration,
};
use super::{Call, REQUEST_ID_SLOT, assumed_role_user, issue, role_session};
use xrole_iam::eval::{Decision, PolicySet, TokenSession, WebIdentityCall, evaluate_web_identity};

/// STS's bounds on the token ([`WEB_IDENTITY_TOKEN_CHARS`]) and on `ProviderId`
/// (4 to 2048), which only OAuth 2.0 providers send.
const TOKEN_CHARS: std::ops::RangeInclusive<usize> = WEB_IDENTITY_TOKEN_CHARS;
const PROVIDER_ID_CHARS: std::ops::RangeInclusive<usize> = 4..=2048;

/// The operation's parameters, decoded once.
struct Input {
    role: RoleArn,
    session_name: SessionName,
    token: String,
    duration: SessionDuration,
    policies: SessionPolicies,
}

impl Decode for Input {
    fn decode(query: &Query, problems: &mut Vec<String>) -> Option<Self> {
        let (role, session_name) = role_and_session_name(query, problems);
        let token = required("WebIdentityToken", "webIdentityToken").parse(
            query,
            |t| Ok(t.to_owned()),
            problems,
        );
        // The token is a credential: its length is reported, never its text.
        if let Some(t) = &token
            && !TOKEN_CHARS.contains(&t.chars().count())
        {
            problems.push(format!(
                "Value at 'webIdentityToken' failed to satisfy constraint: Member must have length between {} and {}",
                TOKEN_CHARS.start(),
                TOKEN_CHARS.end()
            ));
        }
        if let Some(id) = query.get("ProviderId")
            && !PROVIDER_ID_CHARS.contains(&id.chars().count())
        {
            problems.push(format!(
                "Value '{}' at 'providerId' failed to satisfy constraint: Member must have length between {} and {}",
                echo(id),
                PROVIDER_ID_CHARS.start(),
                PROVIDER_ID_CHARS.end()
            ));
        }
        let duration = role_duration(query, problems);
        let policies = SessionPolicies::decode(query, problems);
        Some(Self {
            role: role?,
            session_name: session_name?,
            token: token?,
            duration: duration?,
            policies,
        })
    }
}

pub(super) fn serve(call: Call<'_>) -> Result<String, StsError> {
    let (
        Input {
            role: role_arn,
            session_name,
            token,
            duration,
            policies: requested_policies,
        },
        _,
    ) = call.decode(None)?;
    let Call {
        inner,
        query,
        now,
        peer,
        entry,
    } = call;

    let refused = |e: StsError, entry: &mut AuditEntry| {
        entry.detail = Some(format!("the token was refused: {}", e.message));
        e
    };
    let (header, iss) = unverified_issuer(&token).map_err(|e| refused(e, entry))?;
    let oidc = provider_of(&inner.state().world, role_arn.account(), &iss)
        .map_err(|e| refused(e, entry))?;
    let VerifiedToken {
        provider,
        issuer_url,
        claims,
        subject,
        audience,
    } = verify(&oidc, &header, &iss, &token, now).map_err(|e| refused(e, entry))?;
    // The token is verified: the call is its provider's, and its parameters are
    // kept (an unverified sender's never are).
    entry.parameters = query.audited();
    let asked = TokenSession::from_claims(&claims).map_err(|why| {
        refused(
            StsError::new(
                ErrorCode::InvalidIdentityToken,
                format!(
                    "The web identity token's session tags or source identity are invalid: {why}"
                ),
            ),
            entry,
        )
    })?;
    let state = inner.state();
    entry.caller = Some(provider.to_string());
    let denied = || {
        StsError::new(
            ErrorCode::AccessDenied,
            "Not authorized to perform sts:AssumeRoleWithWebIdentity",
        )
    };
    let mut session_policies: Vec<_> = requested_policies.inline()?.into_iter().collect();
    session_policies.extend(requested_policies.managed(&state.world, role_arn.account())?);
    let Some((role, trust, _)) = state.world.role_compiled(&role_arn) else {
        entry.decision = Some(Decision::ImplicitlyDenied);
        entry.detail = Some(format!("{role_arn} does not exist in the world"));
        return Err(denied().denial(DenialKind::RoleMissing));
    };
    if duration.as_secs() > role.max_session_secs() {
        return Err(StsError::validation(&[
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
                .to_owned(),
        ]));
    }
    let role_path_arn = role.arn().clone();
    let role_tags = role.tags().to_vec();
    // The trust policy decides; the organization's RCPs on the role's account
    // apply, its SCPs do not (an identity provider is no principal of an account).
    let mut policies = PolicySet {
        resource: Some(trust.clone()),
        ..PolicySet::default()
    };
    let mut call = WebIdentityCall::new(
        provider.clone(),
        role_path_arn.clone(),
        session_name.as_str(),
        now.duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64),
    )
    .claims(&claims)
    .session(&asked)
    .source_ip(
        state
            .source_ips
            .get(provider.as_str())
            .copied()
            .unwrap_or(peer),
    );
    if let Some(org) = state.world.org_scope(None, role_arn.account()) {
        call = call.context(&org.govern(&mut policies));
    }
    drop(state);
    let evaluation = evaluate_web_identity(&call, &policies);
    entry.decision = Some(evaluation.decision);
    if let Some((action, e)) = evaluation.first_refusal() {
        // STS's message names no action: the detail says which one was refused.
        let err = denied().denied_by(e, false);
        entry.detail = Some(format!("{}\n{action} is refused: {e}", err.message));
        return Err(err);
    }
    let percent = requested_policies.packed_percent(asked.tags.as_slice())?;

    let (key_id, mut session) = role_session(inner, &role_path_arn, &session_name, duration, now)?;
    session.tags = principal_tags(role_tags, asked.tags.as_slice());
    session.transitive = asked.transitive_tags();
    session.source_identity = asked.source_identity.clone();
    session.session_policies = session_policies;
    let report_packed = !requested_policies.is_empty() || !asked.tags.is_empty();
    Ok(xml::response(
        "AssumeRoleWithWebIdentity",
        REQUEST_ID_SLOT,
        |x| {
            if let Some(si) = &asked.source_identity {
                x.text("SourceIdentity", si.as_str());
            }
            x.text("SubjectFromWebIdentityToken", &subject)
                .text("Audience", &audience);
            assumed_role_user(x, &session);
            issue(inner, session, x, &key_id, now);
            x.text("Provider", &issuer_url);
            if report_packed {
                x.text("PackedPolicySize", &percent.to_string());
            }
        },
    ))
}
