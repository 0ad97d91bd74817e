//! A request's condition values: the keys every request carries (transport,
//! region, time, the tags it sets) and those of each action, read from the
//! request's members where the action's IAM data names them.

use std::collections::BTreeMap;

use serde_json::Value;
use xrole_core::policy::keys;

use crate::classify::{Target, Values};
use crate::identify::HttpRequest;
use crate::{ActionKeyMembers, Member, Operation, ServiceData, same_letters};

/// The condition keys the action supports (its IAM data) whose values the
/// request carries: a member of the same name (`sts:ExternalId`, `s3:prefix`,
/// `dynamodb:Select`, `kms:EncryptionAlgorithm`) or the same wire name
/// (`s3:x-amz-acl`, `s3:object-lock-mode`), a list member's items
/// (`sts:TransitiveTagKeys`), and KMS's derived keys: the caller's account, the
/// alias a key is named by, the encryption context.
pub(crate) fn action_keys(
    data: &ServiceData,
    action: &str,
    values: &Values<'_, '_>,
    target: Target<'_>,
) -> Vec<(String, Vec<String>)> {
    let Some((prefix, name)) = action.split_once(':') else {
        return Vec::new();
    };
    let Some(act) = data.iam(prefix).and_then(|i| i.action(name)) else {
        return Vec::new();
    };
    let supports = |key: &str| act.conditions.iter().any(|k| k == key);
    let mut out = Vec::new();
    for (key, member) in key_members(values, action, prefix, &act.conditions).iter() {
        if let Some(found) = member_values(member, values) {
            out.push((key.clone(), found));
        }
    }
    if prefix == "s3" {
        for (key, value) in s3_signature_keys(values) {
            if supports(key) {
                out.push((key.to_owned(), vec![value.to_owned()]));
            }
        }
    }
    if prefix == "kms" {
        if supports("kms:CallerAccount") {
            out.push((
                "kms:CallerAccount".to_owned(),
                vec![target.account.to_owned()],
            ));
        }
        if supports("kms:RequestAlias")
            && let Some(alias) = values.get("KeyId").filter(|k| k.starts_with("alias/"))
        {
            out.push(("kms:RequestAlias".to_owned(), vec![alias]));
        }
        if supports("kms:EncryptionContextKeys")
            && let Some(Value::Object(pairs)) = values.body.get("EncryptionContext")
        {
            for (k, v) in pairs {
                if let Some(v) = v.as_str() {
                    out.push((format!("kms:EncryptionContext:{k}"), vec![v.to_owned()]));
                }
            }
            out.push((
                "kms:EncryptionContextKeys".to_owned(),
                pairs.keys().cloned().collect(),
            ));
        }
    }
    out
}

/// How an S3 request was signed, as S3's condition keys say it (S3 API
/// reference, "Amazon S3 Signature Version 4 Authentication Specific Policy
/// Keys": <https://docs.aws.amazon.com/AmazonS3/latest/API/bucket-policy-s3-sigv4-conditions.html>):
/// `s3:authType` (`REST-HEADER` in the `Authorization` header,
/// `REST-QUERY-STRING` in a presigned URL), `s3:signatureversion` (the
/// algorithm, `AWS4-HMAC-SHA256`; `AWS` for Signature Version 2) and, for a
/// request signed in its header only, `s3:x-amz-content-sha256` (the header's
/// value, `UNSIGNED-PAYLOAD` for an unsigned body). `s3:signatureAge` needs the
/// time of the decision, which the request does not carry: see
/// [`s3_signature_age`].
fn s3_signature_keys<'r>(values: &Values<'r, '_>) -> Vec<(&'static str, &'r str)> {
    let request = values.request;
    let query = &values.identified.query;
    let mut keys = Vec::new();
    if let Some(authorization) = request.header("authorization") {
        keys.push(("s3:authType", "REST-HEADER"));
        let algorithm = authorization.split(' ').next().unwrap_or_default();
        keys.push(("s3:signatureversion", algorithm));
        if let Some(content) = request.header("x-amz-content-sha256") {
            keys.push(("s3:x-amz-content-sha256", content));
        }
    } else if let Some(algorithm) = query.get("X-Amz-Algorithm") {
        keys.push(("s3:authType", "REST-QUERY-STRING"));
        keys.push(("s3:signatureversion", algorithm.as_str()));
    } else if query.contains_key("Signature") && query.contains_key("AWSAccessKeyId") {
        keys.push(("s3:authType", "REST-QUERY-STRING"));
        keys.push(("s3:signatureversion", "AWS"));
    }
    keys
}

/// A condition key's member where the names differ by more than case and
/// punctuation: `(service prefix, key name, member)`.
const KEY_MEMBERS: &[(&str, &str, &str)] = &[("lambda", "FunctionUrlAuthType", "AuthType")];

/// The member of `op` that carries the condition key `key_name` (see
/// [`action_keys`]).
fn member_for_key<'o>(prefix: &str, key_name: &str, op: &'o Operation) -> Option<&'o str> {
    let aliased = KEY_MEMBERS
        .iter()
        .find(|(p, k, _)| *p == prefix && *k == key_name)
        .map(|(_, _, m)| *m);
    let (member, _) = op.members.iter().find(|(member, place)| {
        if aliased.is_some_and(|a| a == member.as_str()) {
            return true;
        }
        let wire = match place {
            Member::Header(w) | Member::Query(w) => Some(w.as_str()),
            _ => None,
        };
        same_letters(member, key_name)
            || wire.is_some_and(|w| {
                same_letters(w, key_name)
                    || w.get(..6).is_some_and(|x| x.eq_ignore_ascii_case("x-amz-"))
                        && same_letters(&w[6..], key_name)
            })
    })?;
    Some(member)
}

/// Each condition key of `action` with the member of the request's operation
/// that carries its value: found once per operation and action (a matter of
/// names only), then kept. The cache holds at most one entry per pair of the
/// service data, so it is bounded.
fn key_members(
    values: &Values<'_, '_>,
    action: &str,
    prefix: &str,
    conditions: &[String],
) -> ActionKeyMembers {
    let id = &values.identified;
    let cache = &id.model.key_members;
    let cached = |list: &[(String, ActionKeyMembers)]| {
        list.iter()
            .find(|(a, _)| a == action)
            .map(|(_, found)| found.clone())
    };
    if let Some(found) = cache.read().ok().and_then(|list| cached(&list)) {
        return found;
    }
    let found: ActionKeyMembers = conditions
        .iter()
        .filter_map(|key| {
            let key_name = key.strip_prefix(prefix)?.strip_prefix(':')?;
            if key_name.contains(['/', '$', ':', '<']) {
                return None;
            }
            let member = member_for_key(prefix, key_name, id.model)?;
            Some((key.clone(), member.to_owned()))
        })
        .collect();
    if let Ok(mut list) = cache.write()
        && cached(&list).is_none()
    {
        list.push((action.to_owned(), found.clone()));
    }
    found
}

/// The values of `member` in the request: a scalar, or a list's items (the
/// query protocol's `Member.member.N`, or a JSON array).
fn member_values(member: &str, values: &Values<'_, '_>) -> Option<Vec<String>> {
    if let Some(value) = values.get(member) {
        return Some(vec![value]);
    }
    if let Some(Member::Body(wire)) = values.identified.model.members.get(member) {
        if let Some(Value::Array(items)) = values.body.get(wire) {
            let found: Vec<String> = items.iter().filter_map(scalar).collect();
            return (!found.is_empty()).then_some(found);
        }
        let query = &values.identified.query;
        let found: Vec<String> = (1..=query.len())
            .map_while(|i| query.get(&format!("{wire}.member.{i}")).cloned())
            .collect();
        return (!found.is_empty()).then_some(found);
    }
    None
}

/// A JSON scalar as a condition value: text, a number or a boolean.
pub(crate) fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The age of a presigned request's signature.
pub const S3_SIGNATURE_AGE: &str = "s3:signatureAge";

/// `s3:signatureAge` of a request decided at `now_millis` (milliseconds since
/// the epoch): for a presigned URL, the milliseconds since it was signed (its
/// `X-Amz-Date`), and 0 for Signature Version 2, as S3 says (S3 API
/// reference, "Amazon S3 Signature Version 4 Authentication Specific Policy
/// Keys": the key works for presigned URLs). `None` for a request signed in
/// its header. The classifier's time is the request's own; the age needs the
/// decision's, so the deciding side adds it.
pub fn s3_signature_age(classified: &crate::Classified<'_>, now_millis: i64) -> Option<String> {
    let query = &classified.identified.query;
    if let Some(date) = query.get("X-Amz-Date") {
        let (_, epoch) = signed_at(date)?;
        let signed = epoch.parse::<i64>().ok()?.checked_mul(1000)?;
        return Some(now_millis.saturating_sub(signed).max(0).to_string());
    }
    (query.contains_key("Signature") && query.contains_key("AWSAccessKeyId"))
        .then(|| "0".to_owned())
}

/// `X-Amz-Date` (SigV4's `20261207T180000Z`) as `aws:CurrentTime`
/// (`2026-12-07T18:00:00Z`) and `aws:EpochTime` (seconds).
fn signed_at(date: &str) -> Option<(String, String)> {
    let b = date.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    if b.len() != 16 || !digits(0..8) || b[8] != b'T' || !digits(9..15) || b[15] != b'Z' {
        return None;
    }
    let current = format!(
        "{}-{}-{}T{}:{}:{}Z",
        &date[0..4],
        &date[4..6],
        &date[6..8],
        &date[9..11],
        &date[11..13],
        &date[13..15]
    );
    let millis = xrole_core::policy::values::parse_date(&current)?;
    Some((current, (millis / 1000).to_string()))
}

/// The tags a request sets, wherever its protocol carries them: a JSON map
/// (`{"k": "v"}`), a JSON list of `Key`/`Value` (or `TagKey`/`TagValue`)
/// objects, or the query protocol's `Tags.member.N.Key`.
pub(crate) fn request_tags(values: &Values<'_, '_>) -> Vec<(String, String)> {
    let field = |item: &Value, names: [&str; 3]| {
        names
            .iter()
            .find_map(|n| item.get(*n).and_then(Value::as_str))
            .map(str::to_owned)
    };
    for name in ["Tags", "tags"] {
        match values.body.get(name) {
            Some(Value::Object(map)) => {
                return map
                    .iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                    .collect();
            }
            Some(Value::Array(items)) => {
                return items
                    .iter()
                    .filter_map(|item| {
                        let key = field(item, ["Key", "TagKey", "key"])?;
                        let value = field(item, ["Value", "TagValue", "value"]).unwrap_or_default();
                        Some((key, value))
                    })
                    .collect();
            }
            _ => {}
        }
    }
    let query = &values.identified.query;
    (1..=query.len())
        .map_while(|i| {
            let key = query.get(&format!("Tags.member.{i}.Key"))?;
            let value = query
                .get(&format!("Tags.member.{i}.Value"))
                .cloned()
                .unwrap_or_default();
            Some((key.clone(), value))
        })
        .collect()
}

/// The tag keys an untagging call removes: `aws:TagKeys`.
pub(crate) fn removed_tag_keys(values: &Values<'_, '_>) -> Option<Vec<String>> {
    for name in ["TagKeys", "tagKeys"] {
        if let Some(Value::Array(keys)) = values.body.get(name) {
            return Some(
                keys.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
            );
        }
    }
    let query = &values.identified.query;
    let keys: Vec<String> = (1..=query.len())
        .map_while(|i| query.get(&format!("TagKeys.member.{i}")).cloned())
        .collect();
    (!keys.is_empty()).then_some(keys)
}

/// The keys every request carries: `aws:SecureTransport`, `aws:RequestedRegion`,
/// and the request's tags.
pub(crate) fn common_context(
    request: &HttpRequest<'_>,
    target: Target<'_>,
    values: &Values<'_, '_>,
) -> BTreeMap<String, Vec<String>> {
    let mut context = BTreeMap::new();
    context.insert(
        keys::SECURE_TRANSPORT.to_owned(),
        vec![request.url.starts_with("https://").to_string()],
    );
    context.insert(
        keys::REQUESTED_REGION.to_owned(),
        vec![target.region.to_owned()],
    );
    // The time the request was signed (X-Amz-Date, `20261207T180000Z`).
    if let Some((current, epoch)) = request.header("x-amz-date").and_then(signed_at) {
        context.insert(keys::CURRENT_TIME.to_owned(), vec![current]);
        context.insert(keys::EPOCH_TIME.to_owned(), vec![epoch]);
    }
    // S3's x-amz-tagging header: the tags a PutObject or CopyObject sets.
    if let Some(tagging) = values.get("Tagging") {
        let tags: Vec<(String, String)> = form_urlencoded::parse(tagging.as_bytes())
            .into_owned()
            .collect();
        for (k, v) in &tags {
            context.insert(format!("s3:RequestObjectTag/{k}"), vec![v.clone()]);
        }
        context.insert(
            "s3:RequestObjectTagKeys".to_owned(),
            tags.into_iter().map(|(k, _)| k).collect(),
        );
    }
    context
}
