//! Every call a session makes, authorized with its whole chain: an HTTP request
//! signed with credentials this server issued (or a world user's key) is
//! classified into the checks AWS makes for it (`xrole_services::classify`),
//! and each is decided with the session's identity policies, boundary, session
//! policies, the organization's SCPs and RCPs, the resource's policy from the
//! world, and the session's tags, source identity, MFA and source address.

use std::net::{IpAddr, Ipv4Addr};

use xrole_core::{AccountId, Arn, Partition};
use xrole_iam::eval::{Context, ContextValue, Decision, Evaluation, evaluate, is_trust_action};
use xrole_iam::keys;
use xrole_iam::recording::RecordedCheck;
use xrole_iam::services::{self, Check, HttpRequest, Target};

use super::audit::AuditEntry;
use super::caller;
use super::ops::sts_call;
use super::state::Inner;

/// One check of a request with its decision.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct CheckDecision {
    /// The check: action, condition values, whether approximate.
    pub check: Check,
    /// The one resource this decision is on.
    pub resource: String,
    /// The decision and its explanation.
    pub evaluation: Evaluation,
}

/// The decision on a request: every check's, allowed when each is.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Authorization {
    /// `service:Operation`.
    pub operation: String,
    /// Who signed it.
    pub caller: String,
    /// Allowed when every check is; else the first refusal's kind.
    pub decision: Decision,
    /// Each check, in order.
    pub checks: Vec<CheckDecision>,
    /// The audit entry's request id ([`EmbeddedSts::audit_of_request`](crate::EmbeddedSts::audit_of_request)).
    pub request_id: String,
}

impl Authorization {
    /// The first refused check, if any.
    pub fn refusal(&self) -> Option<&CheckDecision> {
        self.checks.iter().find(|c| !c.evaluation.is_allowed())
    }
}

/// Why a request cannot be decided.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthorizeError {
    /// It carries no SigV4 `Authorization` header with a credential scope.
    #[error("the request is not signed with SigV4 (no Authorization credential scope)")]
    NotSigned,
    /// Its key is none this server knows (or its session expired).
    #[error("the request's key is not one this embedded STS knows: {0}")]
    UnknownKey(String),
    /// It is no operation the service models know.
    #[error(transparent)]
    Classify(#[from] services::ClassifyError),
    /// The embedded service data cannot be read.
    #[error(transparent)]
    Data(#[from] services::ServiceDataError),
}

/// The credential scope of a SigV4 `Authorization` header: key id, region and
/// service.
fn credential(authorization: &str) -> Option<(&str, &str, &str)> {
    let scope = authorization.split("Credential=").nth(1)?;
    let scope = scope.split([',', ' ']).next()?;
    let mut parts = scope.split('/');
    let key = parts.next()?;
    let _date = parts.next()?;
    let region = parts.next()?;
    let service = parts.next()?;
    Some((key, region, service))
}

/// `dynamodb:LeadingKeys` of a check of `action` on `table`, when the world
/// knows the table's partition key and the action supports the key: the
/// partition key values the request names for that table.
fn leading_keys(
    data: &services::ServiceData,
    classified: &services::Classified<'_>,
    action: &str,
    table: &xrole_iam::world::Resource,
) -> Option<Vec<String>> {
    let partition_key = table.table_partition_key()?;
    if !data.supports(action, services::dynamodb::LEADING_KEYS) {
        return None;
    }
    let table_name = services::dynamodb::table_of_arn(table.arn())?;
    services::dynamodb::leading_keys(
        classified.identified.operation,
        &classified.body,
        table_name,
        partition_key,
    )
}

/// Who signed a request, for which region and service: the credential scope
/// of its `Authorization` header or of a presigned URL's query.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SignedBy<'a> {
    pub(crate) key_id: &'a str,
    pub(crate) token: Option<&'a str>,
    pub(crate) region: &'a str,
    pub(crate) service: &'a str,
}

/// Decides a request signed in its `Authorization` header; the signature itself
/// is not checked (the SDK in this process made it).
pub(crate) fn authorize(
    inner: &Inner,
    request: &HttpRequest<'_>,
) -> Result<Authorization, AuthorizeError> {
    let (key_id, region, service) = request
        .header("authorization")
        .and_then(credential)
        .ok_or(AuthorizeError::NotSigned)?;
    let token = request.header("x-amz-security-token");
    let signed = SignedBy {
        key_id,
        token,
        region,
        service,
    };
    authorize_signed(inner, request, signed)
}

/// Decides a request whose signer is known (and whose signature, where it
/// matters, was verified).
pub(crate) fn authorize_signed(
    inner: &Inner,
    request: &HttpRequest<'_>,
    signed: SignedBy<'_>,
) -> Result<Authorization, AuthorizeError> {
    let now = inner.clock.now();
    let SignedBy {
        key_id,
        token,
        region,
        service,
    } = signed;
    let (principal, _) = caller::signer(inner, key_id, token, now)
        .map_err(|e| AuthorizeError::UnknownKey(e.message))?;
    let partition = principal
        .arn
        .partition()
        .unwrap_or_else(|| Partition::of_region(region));
    let account = principal.account.to_string();
    let target = Target {
        partition: partition.as_str(),
        region,
        account: &account,
    };
    let data = services::data()?;
    let mut classified = services::classify(data, service, target, request)?;
    // The checks are moved out to be decided; the rest of the request stays
    // for what a check reads from it (a table's leading keys).
    let derived = std::mem::take(&mut classified.checks);
    let operation = format!(
        "{}:{}",
        classified.identified.service, classified.identified.operation
    );
    let call = sts_call(inner, &principal, IpAddr::V4(Ipv4Addr::LOCALHOST), now);
    // A presigned URL's age is the decision's time less its signing time.
    let signature_age = now
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_millis()).ok())
        .and_then(|millis| services::s3_signature_age(&classified, millis));
    // One check decided on one of its resources.
    let decide = |mut check: Check, resource: &str| {
        let mut policies = principal.policies.clone();
        let state = inner.state();
        let owned = state.world.resource_for(resource);
        // A role's resource policy is its trust policy, for the actions
        // that assume it.
        let trust = is_trust_action(&check.action)
            .then(|| xrole_core::RoleArn::parse(resource).ok())
            .flatten()
            .and_then(|role| state.world.role_compiled(&role))
            .map(|(_, trust, _)| trust.clone());
        policies.resource = trust.or_else(|| owned.and_then(|(_, compiled)| compiled.cloned()));
        let resource_account: AccountId = owned
            .and_then(|(r, _)| r.account())
            .or_else(|| Arn::split(resource).and_then(|a| a.account_id()))
            .unwrap_or(principal.account);
        // The call as it is, or with the organization's keys of this resource.
        let mut call = std::borrow::Cow::Borrowed(&call);
        if let Some(scope) = state
            .world
            .org_scope(Some(principal.account), resource_account)
        {
            call.to_mut().add_context(&scope.govern(&mut policies));
        }
        if let Some(values) =
            owned.and_then(|(table, _)| leading_keys(data, &classified, &check.action, table))
        {
            check
                .context
                .insert(services::dynamodb::LEADING_KEYS.to_owned(), values);
        }
        if let Some(age) = &signature_age
            && data.supports(&check.action, services::S3_SIGNATURE_AGE)
        {
            check
                .context
                .insert(services::S3_SIGNATURE_AGE.to_owned(), vec![age.clone()]);
        }
        drop(state);
        let mut keys = Context::new();
        for (k, v) in &check.context {
            keys.insert(k, ContextValue::of_values(v));
        }
        let r = call
            .request(&check.action, resource)
            .resource_account(resource_account)
            .with_context(keys);
        CheckDecision {
            evaluation: evaluate(&r, &policies),
            check,
            resource: resource.to_owned(),
        }
    };
    let mut checks = Vec::new();
    for check in derived {
        // A check on one resource (most are) is decided as it is; one on
        // several is decided on each, a copy each.
        if let [one] = check.resources.as_slice() {
            let one = one.clone();
            checks.push(decide(check, &one));
        } else {
            checks.extend(check.resources.iter().map(|r| decide(check.clone(), r)));
        }
    }
    let decision = checks
        .iter()
        .map(|c| c.evaluation.decision)
        .find(|d| *d != Decision::Allowed)
        .unwrap_or(Decision::Allowed);
    let request_id = keys::request_id();
    let mut state = inner.state();
    if let Some(recording) = state.recording.as_mut() {
        let role = principal.caller.role().map(ToString::to_string);
        for c in &checks {
            recording.record(RecordedCheck {
                principal: principal.arn.to_string(),
                role: role.clone(),
                action: c.check.action.clone(),
                resource: c.resource.clone(),
                context: c.check.context.clone(),
                decision: c.evaluation.decision,
                approximate: c.check.approximate,
                count: 1,
            });
        }
    }
    let mut entry = AuditEntry::new(0, now, request_id.clone());
    entry.action = Some(operation.clone());
    entry.caller = Some(principal.arn.to_string());
    entry.access_key_id = Some(principal.access_key_id.clone());
    entry.decision = Some(decision);
    entry.detail = checks
        .iter()
        .find(|c| !c.evaluation.is_allowed())
        .map(|c| format!("{} on {}\n{}", c.check.action, c.resource, c.evaluation));
    state.audit.push(entry);
    drop(state);
    Ok(Authorization {
        operation,
        caller: principal.arn.to_string(),
        decision,
        checks,
        request_id,
    })
}
