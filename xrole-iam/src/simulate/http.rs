//! A simulate line's `httpRequest`: the request an SDK would send, turned into
//! the checks AWS makes for it (`xrole_services::classify`), each judged.
//!
//! ```json
//! {"request": {"principal": "arn:aws:iam::111111111111:user/alice",
//!              "httpRequest": {"service": "s3", "region": "eu-west-1", "method": "GET",
//!                              "url": "https://b.s3.eu-west-1.amazonaws.com/k"}},
//!  "identityPolicies": [{...}]}
//! ```
//!
//! The answer's `checks` lists each check (action, resource, the request's
//! condition values, whether it is approximate) with its decision and
//! explanation; the line's `decision` is allowed when every check is.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value, json};
use xrole_core::{AccountId, Partition};
use xrole_services::{Check, HttpRequest, Target};

use super::{bounded, evaluation_json};
use crate::eval::{Caller, Context, ContextValue, Decision, PolicySet, Request, evaluate};

/// The most a line's HTTP body may hold, in bytes.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// The `httpRequest` of a line.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct HttpRequestLine {
    /// The service the request is signed for (`s3`, `dynamodb`, ...).
    service: String,
    /// The region it is sent to.
    region: String,
    method: String,
    url: String,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    body: String,
}

/// One check with the request that judges it.
pub(super) struct Judged {
    pub(super) check: Check,
    pub(super) resource: String,
    request: Request,
}

impl HttpRequestLine {
    /// Every (check, resource) of the request, as a request of `caller` with
    /// `context` under the check's own keys; and the operation's name.
    pub(super) fn checks(
        &self,
        caller: &Caller,
        context: &Context,
        resource_account: Option<AccountId>,
    ) -> Result<(Vec<Judged>, String), String> {
        for (field, text) in [
            ("request.httpRequest.service", &self.service),
            ("request.httpRequest.region", &self.region),
            ("request.httpRequest.method", &self.method),
            ("request.httpRequest.url", &self.url),
        ] {
            bounded(field, text)?;
        }
        if self.body.len() > MAX_BODY_BYTES {
            return Err(format!(
                "request.httpRequest.body: more than {MAX_BODY_BYTES} bytes"
            ));
        }
        let region = xrole_core::Region::parse(&self.region)
            .map_err(|e| format!("request.httpRequest.region: {e}"))?;
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let request = HttpRequest {
            method: &self.method,
            url: &self.url,
            headers: &headers,
            body: self.body.as_bytes(),
        };
        let account = resource_account
            .or(caller.account())
            .map(|a| a.to_string())
            .unwrap_or_default();
        let target = Target {
            partition: Partition::of_region(region.as_str()).as_str(),
            region: region.as_str(),
            account: &account,
        };
        let data = xrole_services::data().map_err(|e| e.to_string())?;
        let classified = xrole_services::classify(data, &self.service, target, &request)
            .map_err(|e| format!("request.httpRequest: {e}"))?;
        let operation = format!(
            "{}:{}",
            classified.identified.service, classified.identified.operation
        );
        let mut judged = Vec::new();
        for check in classified.checks {
            let mut keys = context.clone();
            for (k, v) in &check.context {
                // The line's own context keys win over the derived ones.
                if keys.get(k).is_none() {
                    keys.insert(k, ContextValue::of_values(v));
                }
            }
            for resource in &check.resources {
                let mut r = Request::new(caller.clone(), &check.action, resource).context(&keys);
                if let Some(account) = resource_account {
                    r = r.resource_account(account);
                }
                judged.push(Judged {
                    check: check.clone(),
                    resource: resource.clone(),
                    request: r,
                });
            }
        }
        Ok((judged, operation))
    }
}

/// The answer of an `httpRequest` line: every check with its decision, allowed
/// when each is.
pub(super) fn answer(judged: &[Judged], operation: &str, policies: &PolicySet) -> Value {
    let mut decision = Decision::Allowed;
    let checks: Vec<Value> = judged
        .iter()
        .map(|j| {
            let evaluation = evaluate(&j.request, policies);
            if decision == Decision::Allowed {
                decision = evaluation.decision;
            }
            let mut answer = evaluation_json(&evaluation);
            answer["action"] = json!(j.check.action);
            answer["resource"] = json!(j.resource);
            answer["approximate"] = json!(j.check.approximate);
            answer["context"] = json!(j.check.context);
            answer
        })
        .collect();
    json!({"operation": operation, "decision": decision, "checks": checks})
}
