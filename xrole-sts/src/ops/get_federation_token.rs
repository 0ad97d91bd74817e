//! GetFederationToken: a federated user's session for an IAM user's long-term keys.
//! Its permissions are the user's narrowed by the session policies sent (none sent:
//! no permissions), plus what resource policies grant to the federated user's ARN.

use xrole_core::{FederatedUserName, PrincipalArn, SessionTags};

use super::super::caller::Principal;
use super::super::error::{ErrorCode, StsError};
use super::super::query::Query;
use super::super::state::Issuer;
use super::super::xml;
use super::params::{
    Decode, SessionPolicies, long_duration, principal_tags, required, session_tags,
};
use super::{Call, REQUEST_ID_SLOT, issue, long_term_only, new_session, not_authorized, sts_call};
use xrole_iam::eval::{CallEvaluation, CompiledPolicy};

/// GetFederationToken's parameters, decoded once, each checked as STS checks it.
struct Input {
    name: FederatedUserName,
    /// Seconds (default 12 hours).
    duration: u64,
    /// Session tags, in the order sent.
    tags: SessionTags,
    policies: SessionPolicies,
}

impl Decode for Input {
    fn decode(query: &Query, problems: &mut Vec<String>) -> Option<Self> {
        let name = required("Name", "name").parse(query, FederatedUserName::parse, problems);
        let duration = long_duration(query, problems);
        let tags = session_tags(query, problems);
        let policies = SessionPolicies::decode(query, problems);
        Some(Self {
            name: name?,
            duration: duration?,
            tags: tags?,
            policies,
        })
    }
}

pub(super) fn serve(call: Call<'_>, principal: &Principal) -> Result<String, StsError> {
    long_term_only(principal, "GetFederationToken")?;
    let (
        Input {
            name,
            duration,
            tags,
            policies,
        },
        _,
    ) = call.decode(None)?;
    let Call {
        inner,
        now,
        peer,
        entry,
        ..
    } = call;
    let federated = principal
        .arn
        .partition()
        .and_then(|p| PrincipalArn::federated_user(p, principal.account, &name).ok())
        .ok_or_else(|| StsError::of(ErrorCode::InternalFailure))?;

    let mut session_policies: Vec<CompiledPolicy> = policies.inline()?.into_iter().collect();
    let org = {
        let state = inner.state();
        session_policies.extend(policies.managed(&state.world, principal.account)?);
        state
            .world
            .org_scope(Some(principal.account), principal.account)
    };
    let percent = policies.packed_percent(tags.as_slice())?;

    // Authorization: the user's identity policies (and the organization's) must
    // allow sts:GetFederationToken on the federated user, and sts:TagSession with
    // tags.
    let mut call = sts_call(inner, principal, peer, now);
    call.tags = tags.as_slice().to_vec();
    let mut policy_set = principal.policies.clone();
    if let Some(org) = org {
        call.add_context(&org.govern(&mut policy_set));
    }
    let actions = std::iter::once("sts:GetFederationToken")
        .chain((!tags.is_empty()).then_some("sts:TagSession"))
        .map(|action| (action, call.request(action, federated.as_str())));
    let evaluation = CallEvaluation::of(actions, &policy_set);
    entry.decision = Some(evaluation.decision);
    if let Some((action, e)) = evaluation.first_refusal() {
        let err = not_authorized(principal, action, federated.as_str(), e.org_denial());
        entry.detail = Some(format!("{}\n{e}", err.message));
        return Err(err);
    }

    let user_id = format!("{}:{name}", principal.account);
    // GetFederationToken takes no MFA code: its sessions say MFA is absent.
    let (key_id, mut session) = new_session(
        inner,
        now,
        duration,
        federated.clone(),
        user_id.clone(),
        Issuer::Federation(principal.arn.clone()),
    );
    session.tags = principal_tags(principal.tags.clone(), tags.as_slice());
    session.session_policies = session_policies;
    Ok(xml::response("GetFederationToken", REQUEST_ID_SLOT, |x| {
        issue(inner, session, x, &key_id, now);
        x.open("FederatedUser")
            .text("FederatedUserId", &user_id)
            .text("Arn", federated.as_str())
            .close("FederatedUser")
            .text("PackedPolicySize", &percent.to_string());
    }))
}
