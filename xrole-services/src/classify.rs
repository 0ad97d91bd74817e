//! The authorization checks AWS makes for an HTTP request: each IAM action with
//! its resource ARNs and the request's condition values.
//!
//! An operation whose action is its name (`sqs:SendMessage`) needs no row;
//! where AWS authorizes it as other actions, the curated tables say so
//! ([`CURATED`], [`PER_ITEM`]), each row citing the page it comes from. An
//! operation of a service not classified in full, or one whose action nobody
//! names ([`UNNAMED`]), is `prefix:Operation` on `*`, marked approximate.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use serde_json::Value;
use xrole_core::policy::keys;

use crate::context::{action_keys, common_context, removed_tag_keys, request_tags, scalar};
use crate::curated::{CURATED, Curated, PASSES_ROLE, PER_ITEM, PerItem, S3_VERSIONED, UNNAMED};
use crate::identify::{HttpRequest, Identified, IdentifyError, identify};
use crate::resources::{self, per_item, resources};
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
    /// The request's body as JSON, parsed once here (`Null` for any other
    /// body): what a caller reads further values from (a table's leading keys).
    pub body: Value,
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
    let rows = curated_rows()
        .get(service)
        .and_then(|ops| ops.get(operation));
    match rows {
        Some(r @ (Resolution::Curated(_) | Resolution::PerItem(_))) => *r,
        _ if data
            .iam(service)
            .is_some_and(|i| i.action(operation).is_some()) =>
        {
            Resolution::Named
        }
        Some(Resolution::Unnamed) => Resolution::Unnamed,
        _ => Resolution::Approximate,
    }
}

/// The curated tables by service and operation, built on first use (a request
/// looks its operation up, never scans them): [`CURATED`] first, then
/// [`PER_ITEM`], then [`UNNAMED`].
fn curated_rows() -> &'static HashMap<&'static str, HashMap<&'static str, Resolution>> {
    static ROWS: OnceLock<HashMap<&'static str, HashMap<&'static str, Resolution>>> =
        OnceLock::new();
    ROWS.get_or_init(|| {
        let mut rows: HashMap<&'static str, HashMap<&'static str, Resolution>> = HashMap::new();
        let mut add = |service, operation, resolution| {
            rows.entry(service)
                .or_default()
                .entry(operation)
                .or_insert(resolution);
        };
        for c in CURATED {
            add(c.service, c.operation, Resolution::Curated(c));
        }
        for r in PER_ITEM {
            add(r.service, r.operation, Resolution::PerItem(r));
        }
        for u in UNNAMED {
            add(u.service, u.operation, Resolution::Unnamed);
        }
        rows
    })
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
    let resolution = resolve(data, service, operation);
    // An operation that needs no permission (`sts:GetCallerIdentity`) has no
    // check, whatever its request carries: nothing more to read.
    if let Resolution::Curated(Curated { actions: [], .. }) = resolution {
        return Ok(Classified {
            identified,
            checks: Vec::new(),
            body: Value::Null,
        });
    }
    // Only a JSON body is read as one (an XML or form body, or none, would only
    // make a parse error).
    let json = request
        .body
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{');
    let body: Value = if json {
        serde_json::from_slice(request.body).unwrap_or(Value::Null)
    } else {
        Value::Null
    };
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
    let check = |action: String, resources: Vec<String>, approximate: bool| {
        let mut context = context.clone();
        context.extend(action_keys(data, &action, &values, target));
        Check {
            action,
            resources,
            context,
            approximate,
        }
    };
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
        // The objects a DeleteObjects names in its body, each by its version
        // when it gives one.
        _ if service == "s3" && operation == "DeleteObjects" => {
            let bucket = values.get("Bucket").unwrap_or_default();
            let mut by_action: Vec<(String, Vec<String>)> = Vec::new();
            for (key, version) in s3_objects_to_delete(request.body) {
                let action = if version.is_some() {
                    "s3:DeleteObjectVersion"
                } else {
                    "s3:DeleteObject"
                };
                let arn = resources::s3_object(target, &bucket, &key);
                match by_action.iter_mut().find(|(a, _)| a == action) {
                    Some((_, arns)) => arns.push(arn),
                    None => by_action.push((action.to_owned(), vec![arn])),
                }
            }
            if by_action.is_empty() {
                vec![check(
                    "s3:DeleteObject".to_owned(),
                    vec!["*".to_owned()],
                    true,
                )]
            } else {
                by_action
                    .into_iter()
                    .map(|(action, arns)| check(action, arns, false))
                    .collect()
            }
        }
        _ => {
            let approximate = matches!(resolution, Resolution::Unnamed | Resolution::Approximate);
            resolution
                .actions(service, operation)
                .into_iter()
                .enumerate()
                .map(|(i, action)| {
                    let found = resources(data, &action, i, &values, target);
                    let action = versioned(&action, i, &values);
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
    if service == "dynamodb" {
        checks = crate::dynamodb::per_table(data, operation, &body, checks);
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
    Ok(Classified {
        identified,
        checks,
        body,
    })
}

/// The action on a given version, when the request names one ([`S3_VERSIONED`]):
/// its `versionId`, or for the source of a copy, `?versionId=` in
/// `x-amz-copy-source`.
fn versioned(action: &str, i: usize, values: &Values<'_, '_>) -> String {
    let copy_source = matches!(values.identified.operation, "CopyObject" | "UploadPartCopy");
    let names_version = if copy_source && i == 0 {
        values
            .get("CopySource")
            .is_some_and(|source| source.contains("?versionId="))
    } else {
        !copy_source && values.get("VersionId").is_some()
    };
    match S3_VERSIONED.iter().find(|(plain, _)| *plain == action) {
        Some((_, version)) if names_version => (*version).to_owned(),
        _ => action.to_owned(),
    }
}

/// The keys (and versions) a DeleteObjects body names:
/// `<Delete><Object><Key>k</Key><VersionId>v</VersionId></Object>…</Delete>`.
fn s3_objects_to_delete(body: &[u8]) -> Vec<(String, Option<String>)> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(body);
    let mut objects = Vec::new();
    let mut path: Vec<Vec<u8>> = Vec::new();
    let mut current: Option<(Option<String>, Option<String>)> = None;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                if e.local_name().as_ref() == b"Object" {
                    current = Some((None, None));
                }
                path.push(e.local_name().as_ref().to_vec());
            }
            Ok(Event::End(e)) => {
                path.pop();
                if e.local_name().as_ref() == b"Object"
                    && let Some((Some(key), version)) = current.take()
                {
                    objects.push((key, version));
                }
            }
            Ok(Event::Text(t)) => {
                let text = t.decode().map(|t| t.into_owned()).unwrap_or_default();
                let text = quick_xml::escape::unescape(&text)
                    .map(|t| t.into_owned())
                    .unwrap_or(text);
                if let Some((key, version)) = current.as_mut() {
                    match path.last().map(Vec::as_slice) {
                        Some(b"Key") => *key = Some(text),
                        Some(b"VersionId") => *version = Some(text),
                        _ => {}
                    }
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    objects
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
                Some(v @ (Value::String(_) | Value::Bool(_) | Value::Number(_))) => scalar(v),
                _ => self.identified.query.get(b).cloned(),
            },
            _ => None,
        }
    }
}
