//! The classifier on requests a real SDK made: botocore's serializations of
//! calls across the twelve services classified in full, signed and never sent
//! (`xrole-services/data/corpus/boto3.json`, built by its `generate.py`), each
//! beside the checks AWS makes for it, written from the Service Authorization
//! Reference. Every request must classify to exactly those checks: actions,
//! resources and the request's condition values. Prints `classified_exact`.
//! The Rust SDK's half is `examples/tests/rust_sdk_corpus.rs` (it needs the
//! examples' SDK clients).

use std::collections::BTreeMap;

use base64::Engine;
use serde::Deserialize;
use xrole_test::services::{HttpRequest, Target, classify, data};

const CORPUS: &str = include_str!("../../../xrole-services/data/corpus/boto3.json");

#[derive(Deserialize)]
struct Corpus {
    sdk: String,
    region: String,
    account: String,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    service: String,
    operation: String,
    request: Request,
    checks: Vec<Expected>,
}

#[derive(Deserialize)]
struct Request {
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body: String,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Expected {
    action: String,
    resources: Vec<String>,
    context: BTreeMap<String, Vec<String>>,
}

/// The keys every request carries, checked against the request itself.
const COMMON: &[&str] = &[
    "aws:SecureTransport",
    "aws:RequestedRegion",
    "aws:CurrentTime",
    "aws:EpochTime",
];

#[test]
fn every_request_of_the_corpus_classifies_exactly() {
    let corpus: Corpus = serde_json::from_str(CORPUS).unwrap();
    let target = Target {
        partition: "aws",
        region: &corpus.region,
        account: &corpus.account,
    };
    let mut wrong = Vec::new();
    let mut signature_keys = 0;
    for case in &corpus.cases {
        let body = base64::engine::general_purpose::STANDARD
            .decode(&case.request.body)
            .unwrap();
        let headers: Vec<(&str, &str)> = case
            .request
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let request = HttpRequest {
            method: &case.request.method,
            url: &case.request.url,
            headers: &headers,
            body: &body,
        };
        // The service a request is signed for, from its credential scope.
        let authorization = request.header("authorization").unwrap();
        let signing = authorization
            .split("Credential=")
            .nth(1)
            .and_then(|scope| scope.split('/').nth(3))
            .unwrap();
        let name = format!("{}:{}", case.service, case.operation);
        let classified = match classify(data().unwrap(), signing, target, &request) {
            Ok(c) => c,
            Err(e) => {
                wrong.push(format!("{name}: {e}"));
                continue;
            }
        };
        let identified = format!(
            "{}:{}",
            classified.identified.service, classified.identified.operation
        );
        let found: Vec<Expected> = classified
            .checks
            .iter()
            .map(|c| {
                let mut context = c.context.clone();
                // The keys every request carries, from the request itself.
                assert_eq!(context["aws:SecureTransport"], ["true"], "{name}");
                assert_eq!(
                    context["aws:RequestedRegion"],
                    [corpus.region.as_str()],
                    "{name}"
                );
                assert_eq!(
                    context["aws:CurrentTime"],
                    ["2026-12-07T18:00:00Z"],
                    "{name}"
                );
                assert_eq!(context["aws:EpochTime"], ["1796666400"], "{name}");
                for key in COMMON {
                    context.remove(*key);
                }
                // How S3 requests are signed: on every action whose IAM data
                // names the key, from the request's Authorization header.
                let signed = [
                    ("s3:authType", "REST-HEADER"),
                    ("s3:signatureversion", "AWS4-HMAC-SHA256"),
                    (
                        "s3:x-amz-content-sha256",
                        request.header("x-amz-content-sha256").unwrap_or("absent"),
                    ),
                ];
                let (prefix, action) = c.action.split_once(':').unwrap();
                let supported = data()
                    .unwrap()
                    .iam(prefix)
                    .and_then(|iam| iam.action(action))
                    .map(|a| a.conditions.clone())
                    .unwrap_or_default();
                for (key, value) in signed {
                    let found = context.remove(key);
                    if prefix == "s3" && supported.iter().any(|k| k == key) {
                        assert_eq!(
                            found.as_deref(),
                            Some(&[value.to_owned()][..]),
                            "{name}: {key}"
                        );
                        signature_keys += 1;
                    } else {
                        assert_eq!(found, None, "{name}: {key}");
                    }
                }
                Expected {
                    action: c.action.clone(),
                    resources: c.resources.clone(),
                    context,
                }
            })
            .collect();
        if identified != name || found != case.checks {
            wrong.push(format!(
                "{name} (identified as {identified}):\n  expected {:?}\n  found    {:?}",
                case.checks, found
            ));
        }
    }
    let total = corpus.cases.len();
    let exact = total - wrong.len();
    println!(
        "classified_exact: {:.1}% ({exact} of {total} requests of {})",
        100.0 * exact as f64 / total as f64,
        corpus.sdk
    );
    assert!(total >= 190, "{total}");
    assert!(signature_keys > 100, "{signature_keys} S3 signature keys");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
