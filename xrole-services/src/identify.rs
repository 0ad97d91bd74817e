//! Which operation of which service an HTTP request is, from the service models:
//! `X-Amz-Target` for the JSON protocol, `Action` for the query protocols, the
//! path for Smithy RPC v2, and for the REST protocols the method, the URI
//! template (S3's virtual-hosted and path-style addressing alike), the query
//! keys it demands and the members the operation requires.

use std::collections::BTreeMap;

use crate::{Member, Operation, Segment, ServiceData, ServiceModel, Template};

/// An HTTP request as a client sends it.
#[derive(Clone, Copy, Debug)]
pub struct HttpRequest<'a> {
    /// `GET`, `PUT`, ...
    pub method: &'a str,
    /// `https://HOST/PATH?QUERY`.
    pub url: &'a str,
    /// The headers, names in any case.
    pub headers: &'a [(&'a str, &'a str)],
    /// The body.
    pub body: &'a [u8],
}

impl HttpRequest<'_> {
    /// A header's value, its name in any case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    }
}

/// The operation a request is, with what its URI's labels and query say.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Identified<'d> {
    /// The service, by botocore's name (`s3`, `dynamodb`, ...).
    pub service: &'d str,
    /// The operation's name (`GetObject`).
    pub operation: &'d str,
    /// Its model.
    pub model: &'d Operation,
    /// The values of the URI template's labels (`Bucket`, `Key`), decoded.
    pub labels: BTreeMap<String, String>,
    /// The query string's parameters, decoded (for the query protocols, the
    /// form body's too).
    pub query: BTreeMap<String, String>,
}

/// Why a request is no operation the models know.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdentifyError {
    /// The URL is not `scheme://host/path`.
    #[error("not a URL: {0:?}")]
    Url(String),
    /// No model signs requests for this service.
    #[error("no service model is signed for {0:?}")]
    UnknownService(String),
    /// The request names an operation the model does not have, or none matches.
    #[error("no operation of {service} matches {what}")]
    NoOperation {
        /// The service.
        service: String,
        /// What was looked for.
        what: String,
    },
}

/// The URL's parts.
struct Url<'a> {
    host: &'a str,
    path: &'a str,
    query: &'a str,
}

fn split_url(url: &str) -> Result<Url<'_>, IdentifyError> {
    let bad = || IdentifyError::Url(url.chars().take(200).collect());
    let (_, rest) = url.split_once("://").ok_or_else(bad)?;
    let (authority, path_query) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = host
        .split(':')
        .next()
        .filter(|h| !h.is_empty())
        .ok_or_else(bad)?;
    let (path, query) = path_query.split_once('?').unwrap_or((path_query, ""));
    Ok(Url { host, path, query })
}

fn decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

fn form(text: &[u8]) -> BTreeMap<String, String> {
    form_urlencoded::parse(text).into_owned().collect()
}

/// Identifies `request`, signed for `signing` (SigV4's service: `s3`,
/// `dynamodb`, `sqs`, ...).
pub fn identify<'d>(
    data: &'d ServiceData,
    signing: &str,
    request: &HttpRequest<'_>,
) -> Result<Identified<'d>, IdentifyError> {
    // Directory buckets' requests are signed for s3express: S3's model.
    let signing = if signing == "s3express" {
        "s3"
    } else {
        signing
    };
    let url = split_url(request.url)?;
    let mut query = form(url.query.as_bytes());
    let candidates: Vec<(&'d str, &'d ServiceModel)> = data.signed_for(signing).collect();
    if candidates.is_empty() {
        return Err(IdentifyError::UnknownService(signing.to_owned()));
    }
    let none = |what: String| IdentifyError::NoOperation {
        service: signing.to_owned(),
        what,
    };
    let found = |service: &'d str, model: &'d ServiceModel, name: &str| {
        let (operation, op) = model.operation_entry(name)?;
        Some((service, operation, op))
    };
    // The query is moved into the answer once its operation is found.
    let named = |query: BTreeMap<String, String>| {
        move |(service, operation, model): (&'d str, &'d str, &'d Operation)| Identified {
            service,
            operation,
            model,
            labels: BTreeMap::new(),
            query,
        }
    };
    // JSON: X-Amz-Target is TARGET.Operation.
    if let Some(target) = request.header("x-amz-target") {
        let (prefix, name) = target.rsplit_once('.').unwrap_or(("", target));
        return candidates
            .iter()
            .filter(|(_, m)| m.protocol.as_deref() == Some("json"))
            .filter(|(_, m)| m.target.as_deref() == Some(prefix) || prefix.is_empty())
            .find_map(|(s, m)| found(s, m, name))
            .map(named(query))
            .ok_or_else(|| none(format!("X-Amz-Target {target:?}")));
    }
    // Smithy RPC v2: /service/SERVICE/operation/OPERATION.
    if let Some(rest) = url.path.strip_prefix("/service/")
        && let Some((_, name)) = rest.split_once("/operation/")
    {
        return candidates
            .iter()
            .filter(|(_, m)| m.protocol.as_deref() == Some("smithy-rpc-v2-cbor"))
            .find_map(|(s, m)| found(s, m, name))
            .map(named(query))
            .ok_or_else(|| none(format!("the path {:?}", url.path)));
    }
    // Query and EC2: Action in the form body or the query string.
    let rpc = |m: &ServiceModel| matches!(m.protocol.as_deref(), Some("query" | "ec2"));
    if candidates.iter().any(|(_, m)| rpc(m)) {
        let body = form(request.body);
        if let Some(action) = body.get("Action").or_else(|| query.get("Action")) {
            let operation = candidates
                .iter()
                .filter(|(_, m)| rpc(m))
                .find_map(|(s, m)| found(s, m, action))
                .ok_or_else(|| none(format!("Action {action:?}")))?;
            query.extend(body);
            return Ok(named(query)(operation));
        }
    }
    // REST: the method, the URI template, the query keys it demands and the
    // members it requires; the most specific match wins.
    let segments = rest_segments(signing, &url);
    // The first template that fits, most specific first, in each model; the
    // labels are read for the winner alone.
    let mut best: Option<(usize, &'d str, &'d str, &'d Operation)> = None;
    for (service, model) in &candidates {
        let first = model
            .candidates(
                request.method,
                segments.first().copied(),
                query.keys().map(String::as_str),
            )
            .find(|(_, op)| {
                fits(&op.template, &segments, &query) && has_required(op, request, &query)
            });
        if let Some((name, op)) = first
            && best.as_ref().is_none_or(|(s, ..)| op.specificity() > *s)
        {
            best = Some((op.specificity(), service, name, op));
        }
    }
    best.map(|(_, service, operation, op)| Identified {
        service,
        operation,
        model: op,
        labels: labels(&op.template, &segments),
        query,
    })
    .ok_or_else(|| none(format!("{} {}", request.method, url.path)))
}

/// The segments of the path the URI templates are written against: S3's
/// virtual-hosted addressing (`BUCKET.s3.REGION.amazonaws.com/KEY`, a
/// directory bucket's `BUCKET.s3express-ZONE.REGION.amazonaws.com/KEY`) puts
/// the bucket first. A key's own slashes stay (`//a` is the key `/a`).
fn rest_segments<'u>(signing: &str, url: &Url<'u>) -> Vec<&'u str> {
    let bucket = (signing == "s3")
        .then(|| {
            [".s3.", ".s3-", ".s3express-"]
                .iter()
                .find_map(|suffix| url.host.find(suffix))
        })
        .flatten()
        .map(|i| &url.host[..i]);
    let mut segments = Vec::new();
    match bucket {
        Some(bucket) => {
            segments.push(bucket);
            if url.path != "/" {
                let rest = url.path.strip_prefix('/').unwrap_or(url.path);
                segments.extend(rest.split('/'));
            }
        }
        None => {
            let trimmed = url.path.trim_start_matches('/');
            if !trimmed.is_empty() {
                segments.extend(trimmed.split('/'));
            }
        }
    }
    segments
}

/// Whether `template` fits the path's `segments` and `query` (every query key
/// it demands is there, with its value where it names one).
fn fits(template: &Template, segments: &[&str], query: &BTreeMap<String, String>) -> bool {
    let demanded = template.demands.iter().all(|(key, value)| match value {
        Some(v) => query.get(key) == Some(v),
        None => query.contains_key(key),
    });
    if !demanded {
        return false;
    }
    let mut i = 0;
    for (j, segment) in template.segments.iter().enumerate() {
        match segment {
            Segment::Greedy(_) => return i < segments.len() && j + 1 == template.segments.len(),
            Segment::Label(_) if segments.get(i).is_none_or(|v| v.is_empty()) => return false,
            Segment::Literal(text) if segments.get(i) != Some(&text.as_str()) => return false,
            _ => {}
        }
        i += 1;
    }
    i == segments.len()
}

/// The labels' values of a template that [`fits`] the path's `segments`, decoded.
fn labels(template: &Template, segments: &[&str]) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::new();
    for (i, segment) in template.segments.iter().enumerate() {
        match segment {
            Segment::Greedy(label) => {
                let rest = segments.get(i..).unwrap_or_default().join("/");
                labels.insert(label.clone(), decode(&rest));
            }
            Segment::Label(label) => {
                labels.insert(label.clone(), decode(segments.get(i).unwrap_or(&"")));
            }
            Segment::Literal(_) => {}
        }
    }
    labels
}

/// Whether the request carries every member the operation requires that
/// travels in a header or the query (a label is there when the template fits;
/// the body is not read here).
fn has_required(
    op: &Operation,
    request: &HttpRequest<'_>,
    query: &BTreeMap<String, String>,
) -> bool {
    op.required.iter().all(|name| match op.members.get(name) {
        Some(Member::Header(h)) => request.header(h).is_some(),
        Some(Member::Query(q)) => query.contains_key(q),
        _ => true,
    })
}
