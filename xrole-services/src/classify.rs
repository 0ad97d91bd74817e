//! The authorization checks AWS makes for an HTTP request: each IAM action with
//! its resource ARNs and the request's condition values.
//!
//! An operation whose action is its name (`sqs:SendMessage`) needs no row;
//! where AWS authorizes it as other actions, the curated tables say so
//! ([`CURATED`], [`PER_ITEM`]), each row citing the page it comes from. An
//! operation of a service not classified in full, or one whose action nobody
//! names ([`UNNAMED`]), is `prefix:Operation` on `*`, marked approximate.

use std::collections::BTreeMap;

use serde_json::Value;
use xrole_core::policy::keys;

use crate::curated::{CURATED, Curated, PASSES_ROLE, PER_ITEM, PerItem, UNNAMED};
use crate::identify::{HttpRequest, Identified, IdentifyError, identify};
use crate::resources::{per_item, resources};
use crate::{Member, ServiceData};

/// Where the request goes and who owns what it names by name alone.
#[derive(Clone, Copy, Debug)]
pub struct Target<'a> {
    /// The partition (`aws`).
    pub partition: &'a str,
    /// The region the request is sent to.
    pub region: &'a str,
    /// The account a resource named without its ARN belongs to: the caller's.
    pub account: &'a str,
}

/// One check: an action on resources, with the request's condition values.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Check {
    /// `service:Action`.
    pub action: String,
    /// The resource ARNs, `*` when the action takes none.
    pub resources: Vec<String>,
    /// Condition keys and their values.
    pub context: BTreeMap<String, Vec<String>>,
    /// Whether the action was derived from the operation's name alone, or its
    /// resources could not be read from the request (then `*`).
    pub approximate: bool,
}

/// A request's checks.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Classified<'d> {
    /// The operation.
    pub identified: Identified<'d>,
    /// Every check AWS makes, in order; none when the operation needs no
    /// permission (`sts:GetCallerIdentity`).
    pub checks: Vec<Check>,
}

/// Why a request has no checks.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClassifyError {
    /// It is no operation the models know.
    #[error(transparent)]
    Identify(#[from] IdentifyError),
}

/// How an operation is authorized, before its request is read.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum Resolution {
    /// Its action is its name (`sqs:SendMessage`), known to the IAM data.
    Named,
    /// A row of [`CURATED`].
    Curated(&'static Curated),
    /// A check for each item it carries ([`PER_ITEM`]).
    PerItem(&'static PerItem),
    /// Of a service classified in full, with no action known ([`UNNAMED`]):
    /// its name, approximate.
    Unnamed,
    /// Of any other service: its name, approximate.
    Approximate,
}

impl Resolution {
    /// Every action the operation may need, `service:Action`.
    pub fn actions(self, service: &str, operation: &str) -> Vec<String> {
        match self {
            Resolution::Curated(c) => c.actions.iter().map(|a| (*a).to_owned()).collect(),
            Resolution::PerItem(rule) => rule.item.actions().map(str::to_owned).collect(),
            Resolution::Named | Resolution::Unnamed | Resolution::Approximate => {
                vec![format!("{service}:{operation}")]
            }
        }
    }
}

/// How `operation` of `service` (botocore's name, its IAM prefix) is
/// authorized: the one place that reads the curated tables.
pub fn resolve(data: &ServiceData, service: &str, operation: &str) -> Resolution {
    let is = |s: &str, o: &str| s == service && o == operation;
    if let Some(c) = CURATED.iter().find(|c| is(c.service, c.operation)) {
        Resolution::Curated(c)
    } else if let Some(rule) = PER_ITEM.iter().find(|r| is(r.service, r.operation)) {
        Resolution::PerItem(rule)
    } else if data
        .iam(service)
        .is_some_and(|i| i.action(operation).is_some())
    {
        Resolution::Named
    } else if UNNAMED.iter().any(|u| is(u.service, u.operation)) {
        Resolution::Unnamed
    } else {
        Resolution::Approximate
    }
}

/// The checks AWS makes for `request`, signed for `signing`, sent to `target`.
pub fn classify<'d>(
    data: &'d ServiceData,
    signing: &str,
    target: Target<'_>,
    request: &HttpRequest<'_>,
) -> Result<Classified<'d>, ClassifyError> {
    let identified = identify(data, signing, request)?;
    let service = identified.service;
    let operation = identified.operation;
    let body: Value = serde_json::from_slice(request.body).unwrap_or(Value::Null);
    let values = Values {
        identified: &identified,
        request,
        body: &body,
    };
    let mut context = common_context(request, target, &values);
    let tags = request_tags(&values);
    if !tags.is_empty() {
        for (k, v) in &tags {
            context.insert(keys::request_tag(k), vec![v.clone()]);
        }
        context.insert(
            keys::TAG_KEYS.to_owned(),
            tags.iter().map(|(k, _)| k.clone()).collect(),
        );
    } else if let Some(keys) = removed_tag_keys(&values) {
        context.insert(keys::TAG_KEYS.to_owned(), keys);
    }
    let check = |action: String, resources: Vec<String>, approximate: bool| Check {
        action,
        resources,
        context: context.clone(),
        approximate,
    };
    let resolution = resolve(data, service, operation);
    let mut checks: Vec<Check> = match resolution {
        Resolution::PerItem(rule) => {
            // One check per distinct action and table, however many items.
            let mut seen = std::collections::BTreeSet::new();
            per_item(rule, &values, target)
                .into_iter()
                .filter(|(action, found)| seen.insert((action.clone(), found.arns.clone())))
                .map(|(action, found)| check(action, found.arns, found.approximate))
                .collect()
        }
        _ => {
            let approximate = matches!(resolution, Resolution::Unnamed | Resolution::Approximate);
            resolution
                .actions(service, operation)
                .into_iter()
                .enumerate()
                .map(|(i, action)| {
                    let found = resources(data, &action, i, &values, target);
                    check(action, found.arns, approximate || found.approximate)
                })
                .collect()
        }
    };
    // A role assumption that passes session tags or a source identity needs
    // sts:TagSession or sts:SetSourceIdentity too (IAM user guide, "Passing
    // session tags in AWS STS": <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html>,
    // and "Monitor and control actions taken with assumed roles":
    // <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_monitor.html>).
    if service == "sts" && operation.starts_with("AssumeRole") {
        let role = checks
            .first()
            .map(|c| c.resources.clone())
            .unwrap_or_default();
        if !tags.is_empty() {
            checks.push(check("sts:TagSession".to_owned(), role.clone(), false));
        }
        if let Some(identity) = identified.query.get("SourceIdentity") {
            let mut set = check("sts:SetSourceIdentity".to_owned(), role, false);
            set.context.insert(
                keys::REQUESTED_SOURCE_IDENTITY.to_owned(),
                vec![identity.clone()],
            );
            checks.push(set);
        }
    }
    let passed = PASSES_ROLE
        .iter()
        .filter(|p| p.service == service && p.operation == operation)
        .filter_map(|p| values.get(p.member))
        .filter(|role| xrole_core::RoleArn::parse(role).is_ok());
    for role in passed {
        let mut pass = check("iam:PassRole".to_owned(), vec![role], false);
        pass.context.insert(
            keys::PASSED_TO_SERVICE.to_owned(),
            vec![format!("{service}.amazonaws.com")],
        );
        checks.push(pass);
    }
    Ok(Classified { identified, checks })
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
fn request_tags(values: &Values<'_, '_>) -> Vec<(String, String)> {
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
fn removed_tag_keys(values: &Values<'_, '_>) -> Option<Vec<String>> {
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

/// The request's values by member name, wherever they travel.
pub(crate) struct Values<'a, 'd> {
    pub(crate) identified: &'a Identified<'d>,
    pub(crate) request: &'a HttpRequest<'a>,
    pub(crate) body: &'a Value,
}

impl Values<'_, '_> {
    pub(crate) fn get(&self, member: &str) -> Option<String> {
        let op = self.identified.model;
        match op.members.get(member) {
            Some(Member::Uri(label)) => self
                .identified
                .labels
                .get(label.trim_end_matches('+'))
                .cloned(),
            Some(Member::Query(q)) => self.identified.query.get(q).cloned(),
            Some(Member::Header(h)) => self.request.header(h).map(str::to_owned),
            Some(Member::Body(b)) => match self.body.get(b) {
                Some(Value::String(s)) => Some(s.clone()),
                _ => self.identified.query.get(b).cloned(),
            },
            _ => None,
        }
    }
}

/// The keys every request carries: `aws:SecureTransport`, `aws:RequestedRegion`,
/// and the request's tags.
fn common_context(
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
    for (member, key) in [
        ("ACL", "s3:x-amz-acl"),
        ("ServerSideEncryption", "s3:x-amz-server-side-encryption"),
        ("Prefix", "s3:prefix"),
        ("Delimiter", "s3:delimiter"),
        ("MaxKeys", "s3:max-keys"),
    ] {
        if values.identified.service == "s3"
            && let Some(v) = values.get(member)
        {
            context.insert(key.to_owned(), vec![v]);
        }
    }
    context
}
