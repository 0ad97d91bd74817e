//! AssumeRole: the parameters checked as STS checks them, the trust and identity
//! policies evaluated with STS's context, and a session issued.

use std::time::Duration;

use xrole_core::{
    DenialKind, ExternalId, RoleArn, SessionDuration, SessionName, SessionTag, SessionTags,
    SourceIdentity, TransitiveTagKeys,
};

use super::super::caller::Principal;
use super::super::error::{ErrorCode, StsError};
use super::super::query::Query;
use super::super::xml;
use super::params::{
    Decode, SessionPolicies, optional, principal_tags, role_and_session_name, role_duration,
    session_tags,
};
use super::{
    Call, REQUEST_ID_SLOT, assumed_role_user, issue, not_authorized, role_session, sts_call,
};
use xrole_iam::eval::{AssumeRoleCall, CompiledPolicy, Decision, Mfa, evaluate_assume_role};

/// AssumeRole's parameters, decoded once, each checked as STS checks it.
struct Input {
    role: RoleArn,
    session_name: SessionName,
    duration: SessionDuration,
    external_id: Option<ExternalId>,
    source_identity: Option<SourceIdentity>,
    /// Session tags, in the order sent.
    tags: SessionTags,
    transitive_keys: TransitiveTagKeys,
    policies: SessionPolicies,
}

impl Decode for Input {
    fn decode(query: &Query, problems: &mut Vec<String>) -> Option<Self> {
        let (role, session_name) = role_and_session_name(query, problems);
        let duration = role_duration(query, problems);
        let external_id =
            optional("ExternalId", "externalId").parse(query, ExternalId::parse, problems);
        let source_identity = optional("SourceIdentity", "sourceIdentity").parse(
            query,
            SourceIdentity::parse,
            problems,
        );
        let tags = session_tags(query, problems);
        let transitive_keys =
            TransitiveTagKeys::new(query.member_values("TransitiveTagKeys.member.", ""))
                .and_then(|keys| {
                    keys.validate(tags.as_ref().unwrap_or(&SessionTags::empty()))
                        .map(|()| keys)
                })
                .map_err(|e| {
                    problems.push(format!(
                        "Value at 'transitiveTagKeys' failed to satisfy constraint: {}",
                        e.message()
                    ))
                })
                .ok();
        let policies = SessionPolicies::decode(query, problems);
        Some(Self {
            role: role?,
            session_name: session_name?,
            duration: duration?,
            external_id,
            source_identity,
            tags: tags?,
            transitive_keys: transitive_keys?,
            policies,
        })
    }
}

pub(super) fn serve(call: Call<'_>, principal: &Principal) -> Result<String, StsError> {
    let (
        Input {
            role: role_arn,
            session_name,
            duration,
            external_id,
            source_identity,
            tags,
            transitive_keys,
            policies: requested_policies,
        },
        with_mfa,
    ) = call.decode(Some(principal))?;
    let Call {
        inner,
        query: _,
        now,
        peer,
        entry,
    } = call;
    let external_id = external_id.as_ref().map(ExternalId::as_str);

    let denied = |action: &str, org| not_authorized(principal, action, role_arn.as_str(), org);
    // Session policies: the inline document and the managed ARNs.
    let mut session_policies: Vec<CompiledPolicy> =
        requested_policies.inline()?.into_iter().collect();
    let (role_max, role_tags, trust, role_path_arn, org) = {
        let state = inner.state();
        session_policies.extend(requested_policies.managed(&state.world, role_arn.account())?);
        let org = state
            .world
            .org_scope(Some(principal.account), role_arn.account());
        match state.world.role_compiled(&role_arn) {
            Some((r, trust, _)) => (
                r.max_session_secs(),
                r.tags().to_vec(),
                Some(trust.clone()),
                r.arn().clone(),
                org,
            ),
            // Unknown roles are denied like forbidden ones: STS does not say which.
            None => (3600, Vec::new(), None, role_arn.clone(), org),
        }
    };
    let Some(trust) = trust else {
        entry.decision = Some(Decision::ImplicitlyDenied);
        let err = denied("sts:AssumeRole", None).denial(DenialKind::RoleMissing);
        entry.detail = Some(format!(
            "{}\n{role_arn} does not exist in the world",
            err.message
        ));
        return Err(err);
    };
    if principal.chained && duration.check_chained().is_err() {
        return Err(StsError::validation(&["The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.".to_owned()]));
    }
    if duration.as_secs() > role_max {
        return Err(StsError::validation(&[
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
                .to_owned(),
        ]));
    }
    // Transitive tags of the caller's session pass on and cannot be overridden.
    for tag in tags.iter() {
        let k = tag.key();
        if principal
            .transitive
            .iter()
            .any(|t| SessionTag::same_key(t.key(), k))
        {
            return Err(StsError::new(
                ErrorCode::InvalidParameterValue,
                format!(
                    "One or more tags could not be set because they override transitive tag key {k} of the calling session"
                ),
            ));
        }
    }
    if let (Some(inherited), Some(requested)) = (&principal.source_identity, &source_identity)
        && inherited != requested
    {
        return Err(StsError::new(
            ErrorCode::AccessDenied,
            format!(
                "SourceIdentity {inherited} of the calling session cannot be changed to {requested}"
            ),
        ));
    }
    let percent = requested_policies.packed_percent(tags.as_slice())?;

    // Authorization: the trust policy and the caller's identity policies, with the
    // context STS builds for each needed action.
    let mut base = sts_call(inner, principal, peer, now);
    if with_mfa {
        base.mfa = Mfa::Present { age_secs: 0 };
    }
    let mfa = base.mfa;
    base.tags = tags.as_slice().to_vec();
    let mut call = AssumeRoleCall::with_base(base, role_path_arn.clone(), session_name.as_str());
    if let Some(id) = external_id {
        call = call.external_id(id);
    }
    for k in transitive_keys.iter() {
        call = call.transitive_tag_key(k);
    }
    if let Some(si) = &source_identity {
        call = call.source_identity(si.clone());
    }
    if let Some(si) = &principal.source_identity {
        call = call.session_source_identity(si.clone());
    }
    let mut policies = principal.policies.clone();
    policies.resource = Some(trust);
    if let Some(org) = org {
        call = call.context(&org.govern(&mut policies));
    }
    let evaluation = evaluate_assume_role(&call, &policies);
    entry.decision = Some(evaluation.decision);
    if let Some((action, e)) = evaluation.first_refusal() {
        let err = denied(action, e.org_denial()).denied_by(e, external_id.is_some());
        entry.detail = Some(format!("{}\n{e}", err.message));
        return Err(err);
    }

    // Issue the session.
    let inherited_source = principal.source_identity.clone().or(source_identity);
    let mut session_tags: Vec<SessionTag> = principal.transitive.clone();
    session_tags.extend(tags.iter().cloned());
    let principal_tags = principal_tags(role_tags, &session_tags);
    let mut transitive = principal.transitive.clone();
    transitive.extend(
        tags.iter()
            .filter(|tag| {
                transitive_keys
                    .iter()
                    .any(|k| SessionTag::same_key(k, tag.key()))
            })
            .cloned(),
    );
    let (key_id, mut session) = role_session(inner, &role_path_arn, &session_name, duration, now)?;
    // MFA carries over to chained sessions from the session it came from.
    session.mfa_at = match mfa {
        Mfa::Present { age_secs } => Some(now - Duration::from_secs(age_secs)),
        _ => None,
    };
    session.source_identity = inherited_source.clone();
    session.tags = principal_tags;
    session.transitive = transitive;
    session.session_policies = session_policies;
    let report_packed = !requested_policies.is_empty() || !tags.is_empty();
    Ok(xml::response("AssumeRole", REQUEST_ID_SLOT, |x| {
        if let Some(si) = &inherited_source {
            x.text("SourceIdentity", si.as_str());
        }
        assumed_role_user(x, &session);
        issue(inner, session, x, &key_id, now);
        if report_packed {
            x.text("PackedPolicySize", &percent.to_string());
        }
    }))
}
