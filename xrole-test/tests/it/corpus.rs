//! The classifier on requests a real SDK made: botocore's serializations of
//! calls across the twelve services classified in full, signed and never sent
//! (`xrole-services/data/corpus/boto3.json`, built by its `generate.py`), each
//! beside the checks AWS makes for it, written from the Service Authorization
//! Reference; and the Rust SDK's STS requests, captured unsent. Every request
//! must classify to exactly those checks: actions, resources and the request's
//! condition values. Prints `classified_exact`.

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

mod rust_sdk {
    //! The Rust SDK's requests, captured by an HTTP client that never sends
    //! them, classified like the corpus's.

    use std::sync::{Arc, Mutex};

    use aws_credential_types::Credentials;
    use aws_sdk_sts::types::Tag;
    use aws_smithy_runtime_api::client::http::{
        HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
        SharedHttpConnector,
    };
    use aws_smithy_runtime_api::client::orchestrator::HttpRequest as SdkRequest;
    use aws_smithy_runtime_api::client::result::ConnectorError;
    use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
    use xrole_test::services::{HttpRequest, Target, classify, data};

    /// Method, URL, headers and body of each request, in order.
    type Seen = Arc<Mutex<Vec<(String, String, Vec<(String, String)>, Vec<u8>)>>>;

    #[derive(Clone, Debug, Default)]
    struct Capture(Seen);

    impl HttpClient for Capture {
        fn http_connector(
            &self,
            _: &HttpConnectorSettings,
            _: &RuntimeComponents,
        ) -> SharedHttpConnector {
            SharedHttpConnector::new(self.clone())
        }
    }

    impl HttpConnector for Capture {
        fn call(&self, request: SdkRequest) -> HttpConnectorFuture {
            let headers = request
                .headers()
                .iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
            let body = request.body().bytes().unwrap_or_default().to_vec();
            self.0.lock().unwrap().push((
                request.method().to_owned(),
                request.uri().to_owned(),
                headers,
                body,
            ));
            HttpConnectorFuture::ready(Err(ConnectorError::other(
                "captured, not sent".into(),
                None,
            )))
        }
    }

    const ROLE: &str = "arn:aws:iam::444455556666:role/Reader";
    const ACCOUNT: &str = "111122223333";

    #[tokio::test]
    async fn the_rust_sdks_requests_classify_exactly() {
        let capture = Capture::default();
        let config = aws_types::SdkConfig::builder()
            .region(aws_types::region::Region::new("eu-west-1"))
            .credentials_provider(
                aws_credential_types::provider::SharedCredentialsProvider::new(
                    Credentials::for_tests(),
                ),
            )
            .http_client(SharedHttpClient::new(capture.clone()))
            .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
            .build();
        let sts = aws_sdk_sts::Client::new(&config);
        let tag = |k: &str, v: &str| Tag::builder().key(k).value(v).build().unwrap();
        // Each call fails at the (capturing) client: only its request counts.
        let _ = sts.get_caller_identity().send().await;
        let _ = sts
            .assume_role()
            .role_arn(ROLE)
            .role_session_name("audit")
            .send()
            .await;
        let _ = sts
            .assume_role()
            .role_arn(ROLE)
            .role_session_name("audit")
            .external_id("ext-1234")
            .duration_seconds(900)
            .send()
            .await;
        let _ = sts
            .assume_role()
            .role_arn(ROLE)
            .role_session_name("audit")
            .tags(tag("team", "data"))
            .tags(tag("env", "prod"))
            .transitive_tag_keys("team")
            .send()
            .await;
        let _ = sts
            .assume_role()
            .role_arn(ROLE)
            .role_session_name("audit")
            .source_identity("alice")
            .send()
            .await;
        let _ = sts.get_session_token().duration_seconds(3600).send().await;
        let _ = sts.get_federation_token().name("bob").send().await;
        let _ = sts
            .decode_authorization_message()
            .encoded_message("abc")
            .send()
            .await;
        let _ = sts
            .get_access_key_info()
            .access_key_id("AKIAIOSFODNN7EXAMPLE")
            .send()
            .await;

        let federated = format!("arn:aws:sts::{ACCOUNT}:federated-user/bob");
        let expected: Vec<Vec<String>> = vec![
            vec![],
            vec![format!("sts:AssumeRole {ROLE} sts:RoleSessionName=audit")],
            vec![format!(
                "sts:AssumeRole {ROLE} sts:ExternalId=ext-1234 sts:RoleSessionName=audit"
            )],
            vec![
                format!(
                    "sts:AssumeRole {ROLE} aws:RequestTag/env=prod aws:RequestTag/team=data aws:TagKeys=team,env sts:RoleSessionName=audit sts:TransitiveTagKeys=team"
                ),
                format!(
                    "sts:TagSession {ROLE} aws:RequestTag/env=prod aws:RequestTag/team=data aws:TagKeys=team,env sts:TransitiveTagKeys=team"
                ),
            ],
            vec![
                format!("sts:AssumeRole {ROLE} sts:RoleSessionName=audit sts:SourceIdentity=alice"),
                format!("sts:SetSourceIdentity {ROLE} sts:SourceIdentity=alice"),
            ],
            vec!["sts:GetSessionToken *".to_owned()],
            vec![format!("sts:GetFederationToken {federated}")],
            vec!["sts:DecodeAuthorizationMessage *".to_owned()],
            vec!["sts:GetAccessKeyInfo *".to_owned()],
        ];
        let seen = capture.0.lock().unwrap().clone();
        assert_eq!(seen.len(), expected.len());
        let target = Target {
            partition: "aws",
            region: "eu-west-1",
            account: ACCOUNT,
        };
        let mut exact = 0;
        for ((method, url, headers, body), want) in seen.iter().zip(&expected) {
            let headers: Vec<(&str, &str)> = headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let request = HttpRequest {
                method,
                url,
                headers: &headers,
                body,
            };
            let found: Vec<String> = classify(data().unwrap(), "sts", target, &request)
                .unwrap()
                .checks
                .iter()
                .map(|c| {
                    let keys: Vec<String> = c
                        .context
                        .iter()
                        .filter(|(k, _)| !super::COMMON.contains(&k.as_str()))
                        .map(|(k, v)| format!("{k}={}", v.join(",")))
                        .collect();
                    format!("{} {} {}", c.action, c.resources.join(","), keys.join(" "))
                        .trim_end()
                        .to_owned()
                })
                .collect();
            assert_eq!(&found, want, "{url} {}", String::from_utf8_lossy(body));
            exact += 1;
        }
        println!(
            "classified_exact_rust_sdk: {:.1}% ({exact} of {} requests of aws-sdk-sts)",
            100.0 * exact as f64 / expected.len() as f64,
            expected.len()
        );
    }
}
