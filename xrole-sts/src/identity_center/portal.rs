//! The AWS access portal (IAM Identity Center portal API reference): with an
//! access token in `x-amz-sso_bearer_token`, a user lists the accounts and
//! permission sets assigned to it and gets a permission set's role
//! credentials. The role is assumed as Identity Center assumes it: with
//! `sts:AssumeRoleWithSAML` by the instance's SAML provider, decided by the
//! role's trust policy (and the organization's RCPs), for the set's session
//! duration, the session named by the user.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::json;
use xrole_core::{AccountId, SessionDuration, SessionName};
use xrole_iam::eval::{Decision, PolicySet, evaluate};
use xrole_iam::world::ASSUME_ROLE_WITH_SAML;

use super::super::audit::AuditEntry;
use super::super::ops::role_session;
use super::super::state::Inner;
use super::{Answer, Operation, error, json as json_answer, query_of};

fn unauthorized() -> Answer {
    error(
        401,
        "UnauthorizedException",
        json!({"message": "Session token not found or invalid"}),
    )
}

fn forbidden(message: &str) -> Answer {
    error(403, "ForbiddenException", json!({"message": message}))
}

fn invalid(message: String) -> Answer {
    error(400, "InvalidRequestException", json!({"message": message}))
}

pub(super) fn handle(
    inner: &Inner,
    parts: &http::request::Parts,
    operation: Operation,
    now: SystemTime,
    entry: &mut AuditEntry,
) -> Answer {
    let token = parts
        .headers
        .get("x-amz-sso_bearer_token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let query = query_of(parts);
    let mut state = inner.state();
    let Some(user) = state.sso.user_of(&token, now).map(str::to_owned) else {
        return unauthorized();
    };
    entry.caller = Some(user.clone());
    if operation == Operation::Logout {
        // The sign-in ends: its access token, and the refresh tokens that
        // would renew it.
        state.sso.tokens.remove(&token);
        state.sso.refresh.retain(|_, r| r.user != user);
        return json_answer(json!({}));
    }
    let Some(center) = state.world.identity_center() else {
        return unauthorized();
    };
    let account = match query.get("account_id").map(|a| AccountId::parse(a)) {
        Some(Ok(a)) => Some(a),
        Some(Err(e)) => return invalid(format!("account_id: {e}")),
        None => None,
    };
    let assigned = center
        .assignments()
        .iter()
        .filter(|a| a.user == user)
        .filter(|a| account.is_none_or(|id| a.account == id));
    match operation {
        Operation::ListAccounts => {
            let mut accounts: Vec<String> = assigned.map(|a| a.account.to_string()).collect();
            accounts.sort();
            accounts.dedup();
            let list: Vec<_> = accounts
                .iter()
                .map(|id| json!({"accountId": id, "accountName": id, "emailAddress": ""}))
                .collect();
            json_answer(json!({"accountList": list}))
        }
        Operation::ListAccountRoles => {
            if account.is_none() {
                return invalid("account_id is required".to_owned());
            }
            let list: Vec<_> = assigned
                .map(|a| json!({"roleName": a.permission_set, "accountId": a.account.to_string()}))
                .collect();
            json_answer(json!({"roleList": list}))
        }
        _ => {
            let (Some(account), Some(set)) = (account, query.get("role_name")) else {
                return invalid("role_name and account_id are required".to_owned());
            };
            entry
                .parameters
                .push(("roleName".into(), set.chars().take(64).collect()));
            entry
                .parameters
                .push(("accountId".into(), account.to_string()));
            if !center.is_assigned(&user, account, set) {
                return forbidden("No access");
            }
            let (Ok(role_arn), Some(permission_set)) = (
                center.role_of(account, set),
                center.permission_set_named(set),
            ) else {
                return forbidden("No access");
            };
            let secs = permission_set.session_secs();
            let Some((role, trust, _)) = state.world.role_compiled(&role_arn) else {
                entry.detail = Some(format!("{role_arn} is not in the world"));
                return forbidden("No access");
            };
            let role_path_arn = role.arn().clone();
            // The trust policy decides, as for AssumeRoleWithSAML: the
            // organization's RCPs on the role's account apply, its SCPs do not.
            let mut policies = PolicySet {
                resource: Some(trust.clone()),
                ..PolicySet::default()
            };
            let now_unix = now
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64);
            let Ok(mut request) = center.sign_in_request(&role_path_arn, now_unix) else {
                return forbidden("No access");
            };
            if let Some(org) = state.world.org_scope(None, account) {
                request = request.context(&org.govern(&mut policies));
            }
            drop(state);
            let evaluation = evaluate(&request, &policies);
            entry.decision = Some(evaluation.decision);
            if evaluation.decision != Decision::Allowed {
                entry.detail = Some(format!(
                    "{ASSUME_ROLE_WITH_SAML} on {role_path_arn} is refused: {evaluation}"
                ));
                return forbidden("No access");
            }
            let (Ok(name), Ok(duration)) = (
                SessionName::parse(&user),
                SessionDuration::from_secs(u64::from(secs)),
            ) else {
                return forbidden("No access");
            };
            let (key_id, session) = match role_session(inner, &role_path_arn, &name, duration, now)
            {
                Ok(issued) => issued,
                Err(e) => {
                    return error(
                        500,
                        "InternalServerException",
                        json!({"message": e.message}),
                    );
                }
            };
            let expiration = session
                .expiration
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_millis());
            let answer = json!({"roleCredentials": {
                "accessKeyId": key_id,
                "secretAccessKey": session.secret,
                "sessionToken": session.token,
                "expiration": expiration,
            }});
            inner.state().sessions.insert(key_id, session, now);
            json_answer(answer)
        }
    }
}
