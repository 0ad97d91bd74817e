//! The gateway: calls to other services on the embedded STS's endpoint,
//! verified with the keys it issued, decided, refused in the service's own
//! shape or sent on to a backend signed with the backend's credentials.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SignatureLocation,
    SigningSettings, UriPathNormalizationMode, sign,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::json;
use xrole_core::AccountId;
use xrole_test::sts::{Backend, EmbeddedSts, Resource, Role, User, World};

use super::fixtures::{client, doc};

const ALICE: &str = "arn:aws:iam::111111111111:user/alice";
const ROLE: &str = "arn:aws:iam::111111111111:role/Reader";
const REGION: &str = "eu-west-1";

fn world() -> World {
    let mut w = World::new();
    w.add_user(
        User::new(ALICE.parse().unwrap()).unwrap().policy(
            "work",
            doc(&json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::work/*"},
                {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::work/in/*"},
                {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": ROLE}
            ]})
            .to_string()),
        ),
    )
    .unwrap()
    .add_role(
        Role::new(
            ROLE.parse().unwrap(),
            doc(
                &json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"AWS": "111111111111"}, "Action": "sts:AssumeRole"}]})
                .to_string(),
            ),
        )
        .policy(
            "read",
            doc(&json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "dynamodb:GetItem",
                 "Resource": "arn:aws:dynamodb:eu-west-1:111111111111:table/orders"}
            ]})
            .to_string()),
        ),
    )
    .unwrap()
    // Private objects are never shared by a presigned URL (S3's
    // `s3:authType`), and no presigned URL is used more than a minute after
    // it was signed (`s3:signatureAge`, the S3 API reference's example).
    .add_resource(
        Resource::new("arn:aws:s3:::work")
            .unwrap()
            .owner(AccountId::from_static("111111111111"))
            .policy(doc(&json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny",
                "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::work/private/*",
                "Condition": {"StringEquals": {"s3:authType": "REST-QUERY-STRING"}}},
                {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::work/*",
                "Condition": {"NumericGreaterThan": {"s3:signatureAge": "60000"}}}]})
            .to_string())),
    )
    .unwrap();
    w
}

/// What the backend received.
#[derive(Clone, Debug)]
struct Received {
    method: String,
    uri: String,
    headers: http::HeaderMap,
    body: Bytes,
}

/// A backend that records each call and answers `from the backend`.
async fn backend() -> (
    String,
    Arc<Mutex<Vec<Received>>>,
    tokio::task::JoinHandle<()>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen: Arc<Mutex<Vec<Received>>> = Arc::default();
    let log = seen.clone();
    let task = tokio::spawn(xrole_test::http::serve(
        listener,
        xrole_test::http::Bounds {
            max_connections: 8,
            header_timeout: Duration::from_secs(5),
            first_request_timeout: Duration::from_secs(5),
        },
        move |req: hyper::Request<hyper::body::Incoming>, _| {
            let log = log.clone();
            async move {
                let (parts, body) = req.into_parts();
                let body = body.collect().await.unwrap().to_bytes();
                log.lock().unwrap().push(Received {
                    method: parts.method.to_string(),
                    uri: parts.uri.to_string(),
                    headers: parts.headers,
                    body,
                });
                hyper::Response::builder()
                    .header("x-backend", "yes")
                    .body(Full::new(Bytes::from_static(b"from the backend")))
                    .unwrap()
            }
        },
    ));
    (url, seen, task)
}

/// The gateway, sending on to `backend` with the backend's own key.
async fn gateway(backend: Option<&str>) -> EmbeddedSts {
    let mut builder = EmbeddedSts::builder(world()).region(REGION);
    if let Some(url) = backend {
        let key = Credentials::new("AKIDBACKEND", "backend-secret", None, None, "test");
        builder = builder.backend(Backend::new(url, key).unwrap());
    }
    builder.start().await.unwrap()
}

/// A request as an SDK signs it: S3's way (single encoding, the payload's
/// hash in `x-amz-content-sha256`) or the others' way.
struct Call<'a> {
    method: &'a str,
    url: String,
    headers: Vec<(&'a str, String)>,
    body: Vec<u8>,
    service: &'a str,
}

fn settings(service: &str) -> SigningSettings {
    let mut settings = SigningSettings::default();
    if service == "s3" {
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    }
    settings
}

fn signed(call: &Call<'_>, creds: &Credentials, body: SignableBody<'_>) -> http::Request<Bytes> {
    let identity: Identity = creds.clone().into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(REGION)
        .name(call.service)
        .time(SystemTime::now())
        .settings(settings(call.service))
        .build()
        .unwrap()
        .into();
    let signable = SignableRequest::new(
        call.method,
        &call.url,
        call.headers.iter().map(|(k, v)| (*k, v.as_str())),
        body,
    )
    .unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    let mut request = http::Request::builder()
        .method(call.method)
        .uri(&call.url)
        .body(Bytes::from(call.body.clone()))
        .unwrap();
    for (k, v) in &call.headers {
        let name: http::HeaderName = k.parse().unwrap();
        request.headers_mut().insert(name, v.parse().unwrap());
    }
    instructions.apply_to_request_http1x(&mut request);
    request
}

/// Sends `request`; the answer's status, headers and body.
async fn send(request: http::Request<Bytes>) -> (u16, http::HeaderMap, String) {
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let response = client.request(request.map(Full::new)).await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

fn alice(sts: &EmbeddedSts) -> Credentials {
    sts.credentials_for(ALICE).unwrap()
}

fn get_object(sts: &EmbeddedSts, key: &str) -> Call<'static> {
    Call {
        method: "GET",
        url: format!("{}/work/{key}", sts.url()),
        headers: Vec::new(),
        body: Vec::new(),
        service: "s3",
    }
}

#[tokio::test]
async fn an_allowed_call_goes_on_signed_with_the_backends_key_and_its_answer_comes_back() {
    let (url, seen, _task) = backend().await;
    let sts = gateway(Some(&url)).await;
    let call = get_object(&sts, "reports/a%20b.csv");
    let (status, headers, body) = send(signed(&call, &alice(&sts), SignableBody::Bytes(b""))).await;
    assert_eq!((status, body.as_str()), (200, "from the backend"));
    assert_eq!(headers["x-backend"], "yes");
    let seen = seen.lock().unwrap();
    let [received] = seen.as_slice() else {
        panic!("{seen:?}")
    };
    assert_eq!(received.method, "GET");
    assert_eq!(received.uri, "/work/reports/a%20b.csv");
    let authorization = received.headers["authorization"].to_str().unwrap();
    assert!(
        authorization.contains("Credential=AKIDBACKEND/") && authorization.contains("/s3/"),
        "{authorization}"
    );
    assert!(received.headers.contains_key("x-amz-content-sha256"));
    let audit = sts.audit_of("s3:GetObject");
    assert_eq!(audit.len(), 1, "{audit:?}");
}

#[tokio::test]
async fn a_refused_call_is_answered_as_the_service_refuses_and_never_sent() {
    let (url, seen, _task) = backend().await;
    let sts = gateway(Some(&url)).await;
    let call = Call {
        method: "PUT",
        url: format!("{}/work/out/x.csv", sts.url()),
        headers: Vec::new(),
        body: b"data".to_vec(),
        service: "s3",
    };
    let (status, headers, body) =
        send(signed(&call, &alice(&sts), SignableBody::Bytes(b"data"))).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(headers["content-type"], "application/xml");
    assert!(body.contains("<Code>AccessDenied</Code>"), "{body}");
    assert!(
        body.contains("s3:PutObject on resource: arn:aws:s3:::work/out/x.csv"),
        "{body}"
    );
    assert!(seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_json_service_refuses_with_its_exception_and_a_role_session_signs_with_its_token() {
    let sts = gateway(None).await;
    let creds = client(&sts, ALICE)
        .await
        .assume_role()
        .role_arn(ROLE)
        .role_session_name("reader")
        .send()
        .await
        .unwrap()
        .credentials
        .unwrap();
    let session = Credentials::new(
        creds.access_key_id(),
        creds.secret_access_key(),
        Some(creds.session_token().to_owned()),
        None,
        "test",
    );
    let call = |table: &str| {
        let body = json!({"TableName": table, "Key": {"id": {"S": "1"}}}).to_string();
        Call {
            method: "POST",
            url: format!("{}/", sts.url()),
            headers: vec![
                ("x-amz-target", "DynamoDB_20120810.GetItem".to_owned()),
                ("content-type", "application/x-amz-json-1.0".to_owned()),
            ],
            body: body.into_bytes(),
            service: "dynamodb",
        }
    };
    let refused = call("payments");
    let (status, headers, body) = send(signed(
        &refused,
        &session,
        SignableBody::Bytes(&refused.body),
    ))
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(headers["content-type"], "application/x-amz-json-1.0");
    let error: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(error["__type"], "AccessDeniedException");
    assert!(
        error["message"].as_str().unwrap().contains(
            "dynamodb:GetItem on resource: arn:aws:dynamodb:eu-west-1:111111111111:table/payments"
        ),
        "{body}"
    );
    // Allowed, with no backend to send it to: the service's NotImplemented.
    let allowed = call("orders");
    let (status, _, body) = send(signed(
        &allowed,
        &session,
        SignableBody::Bytes(&allowed.body),
    ))
    .await;
    assert_eq!(status, 501, "{body}");
    assert!(body.contains("no backend"), "{body}");
}

#[tokio::test]
async fn a_bad_signature_an_unknown_key_and_a_wrong_payload_hash_are_refused() {
    let (url, seen, _task) = backend().await;
    let sts = gateway(Some(&url)).await;
    let call = get_object(&sts, "a.csv");
    let wrong = Credentials::new(
        alice(&sts).access_key_id(),
        "not-the-secret",
        None,
        None,
        "test",
    );
    let (status, _, body) = send(signed(&call, &wrong, SignableBody::Bytes(b""))).await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body.contains("<Code>SignatureDoesNotMatch</Code>"),
        "{body}"
    );
    let stranger = Credentials::new("AKIAUNKNOWN000000000", "secret", None, None, "test");
    let (status, _, body) = send(signed(&call, &stranger, SignableBody::Bytes(b""))).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("<Code>InvalidAccessKeyId</Code>"), "{body}");
    // The body is not the one whose hash was signed.
    let put = Call {
        method: "PUT",
        url: format!("{}/work/in/x.csv", sts.url()),
        headers: Vec::new(),
        body: b"tampered".to_vec(),
        service: "s3",
    };
    let (status, _, body) = send(signed(&put, &alice(&sts), SignableBody::Bytes(b"data"))).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("XAmzContentSHA256Mismatch"), "{body}");
    assert!(seen.lock().unwrap().is_empty());
}

/// A presigned GET of `path` (`bucket/key`), signed at `at` for five minutes.
fn presigned(sts: &EmbeddedSts, creds: &Credentials, path: &str, at: SystemTime) -> String {
    let identity: Identity = creds.clone().into();
    let mut settings = settings("s3");
    settings.payload_checksum_kind = PayloadChecksumKind::NoHeader;
    settings.signature_location = SignatureLocation::QueryParams;
    settings.expires_in = Some(Duration::from_secs(300));
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(REGION)
        .name("s3")
        .time(at)
        .settings(settings)
        .build()
        .unwrap()
        .into();
    let url = format!("{}/{path}?x-id=GetObject", sts.url());
    let signable = SignableRequest::new(
        "GET",
        &url,
        std::iter::empty(),
        SignableBody::UnsignedPayload,
    )
    .unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    let mut request = http::Request::builder().uri(&url).body(()).unwrap();
    instructions.apply_to_request_http1x(&mut request);
    request.uri().to_string()
}

#[tokio::test]
async fn a_presigned_url_is_verified_decided_and_sent_on_without_its_signature() {
    let (url, seen, _task) = backend().await;
    let sts = gateway(Some(&url)).await;
    let link = presigned(&sts, &alice(&sts), "work/a.csv", SystemTime::now());
    let get = |link: String| http::Request::get(link).body(Bytes::new()).unwrap();
    let (status, _, body) = send(get(link)).await;
    assert_eq!((status, body.as_str()), (200, "from the backend"));
    assert_eq!(
        seen.lock().unwrap()[0].uri,
        "/work/a.csv?x-id=GetObject",
        "the signature's parameters stay behind"
    );
    // Signed an hour ago for five minutes: expired.
    let old = presigned(
        &sts,
        &alice(&sts),
        "work/a.csv",
        SystemTime::now() - Duration::from_secs(3600),
    );
    let (status, _, body) = send(get(old)).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("Request has expired"), "{body}");
    // Presigned for an object the policy does not cover.
    let (status, _, body) = send(get(presigned(
        &sts,
        &alice(&sts),
        "other/a.csv",
        SystemTime::now(),
    )))
    .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(seen.lock().unwrap().len(), 1);
    // The bucket's policy refuses private objects by presigned URL only.
    let (status, _, body) = send(get(presigned(
        &sts,
        &alice(&sts),
        "work/private/a.csv",
        SystemTime::now(),
    )))
    .await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("Statement[0] explicitly denies"), "{body}");
    // Signed two minutes ago for five: not expired, but older than the
    // bucket allows a presigned URL to be (the one signed now passed).
    let (status, _, body) = send(get(presigned(
        &sts,
        &alice(&sts),
        "work/a.csv",
        SystemTime::now() - Duration::from_secs(120),
    )))
    .await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("Statement[1] explicitly denies"), "{body}");
    let creds = alice(&sts);
    let (status, _, body) = send(signed(
        &get_object(&sts, "private/a.csv"),
        &creds,
        SignableBody::Bytes(b""),
    ))
    .await;
    assert_eq!((status, body.as_str()), (200, "from the backend"));
    assert_eq!(seen.lock().unwrap().len(), 2);
}

/// `payload` as a signed `aws-chunked` body of `size`-byte chunks, chained
/// from the request's `seed` signature.
fn chunked(
    payload: &[u8],
    size: usize,
    seed: &str,
    creds: &Credentials,
    at: SystemTime,
) -> Vec<u8> {
    let identity: Identity = creds.clone().into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(REGION)
        .name("s3")
        .time(at)
        .settings(())
        .build()
        .unwrap();
    let mut body = Vec::new();
    let mut previous = seed.to_owned();
    for chunk in payload.chunks(size).chain([&[][..]]) {
        let signature = v4::sign_chunk(&Bytes::copy_from_slice(chunk), &previous, &params)
            .unwrap()
            .signature()
            .to_owned();
        body.extend_from_slice(
            format!("{:x};chunk-signature={signature}\r\n", chunk.len()).as_bytes(),
        );
        body.extend_from_slice(chunk);
        body.extend_from_slice(b"\r\n");
        previous = signature;
    }
    body
}

#[tokio::test]
async fn a_signed_chunked_upload_is_verified_chunk_by_chunk_and_sent_on_whole() {
    let (url, seen, _task) = backend().await;
    let sts = gateway(Some(&url)).await;
    let creds = alice(&sts);
    let payload: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let at = SystemTime::now();
    let call = |body: Vec<u8>| Call {
        method: "PUT",
        url: format!("{}/work/in/big.bin", sts.url()),
        headers: vec![
            ("content-encoding", "aws-chunked".to_owned()),
            ("x-amz-decoded-content-length", payload.len().to_string()),
            ("content-length", body.len().to_string()),
        ],
        body,
        service: "s3",
    };
    let streaming = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
    // The seed is the headers' signature: sign once to learn it, then frame.
    let probe = signed(
        &call(Vec::new()),
        &creds,
        SignableBody::Precomputed(streaming.into()),
    );
    let seed_of = |r: &http::Request<Bytes>| {
        let auth = r.headers()["authorization"].to_str().unwrap();
        auth.rsplit("Signature=").next().unwrap().to_owned()
    };
    let framed_len = chunked(&payload, 65_536, &seed_of(&probe), &creds, at).len();
    let probe = signed(
        &call(vec![0; framed_len]),
        &creds,
        SignableBody::Precomputed(streaming.into()),
    );
    let body = chunked(&payload, 65_536, &seed_of(&probe), &creds, at);
    let request = probe.map(|_| Bytes::from(body.clone()));
    let (status, _, answer) = send(request).await;
    assert_eq!(status, 200, "{answer}");
    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen[0].body.as_ref(), payload.as_slice());
        assert!(!seen[0].headers.contains_key("content-encoding"));
        assert!(!seen[0].headers.contains_key("x-amz-decoded-content-length"));
    }
    // One byte of one chunk changed: its signature no longer matches.
    let middle = body.len() / 2;
    let request = signed(
        &call(vec![0; framed_len]),
        &creds,
        SignableBody::Precomputed(streaming.into()),
    );
    let request = {
        let seed = seed_of(&request);
        let mut body = chunked(&payload, 65_536, &seed, &creds, at);
        body[middle] ^= 1;
        request.map(|_| Bytes::from(body))
    };
    let (status, _, answer) = send(request).await;
    assert_eq!(status, 403, "{answer}");
    assert!(answer.contains("SignatureDoesNotMatch"), "{answer}");
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn bodies_over_the_limit_and_a_backend_that_is_gone_are_the_services_errors() {
    let (url, _seen, task) = backend().await;
    let sts = EmbeddedSts::builder(world())
        .region(REGION)
        .gateway_body_limit(1024)
        .backend(
            Backend::new(
                &url,
                Credentials::new("AKIDBACKEND", "backend-secret", None, None, "test"),
            )
            .unwrap(),
        )
        .start()
        .await
        .unwrap();
    let big = vec![b'x'; 4096];
    let put = Call {
        method: "PUT",
        url: format!("{}/work/in/x.csv", sts.url()),
        headers: Vec::new(),
        body: big.clone(),
        service: "s3",
    };
    let (status, _, body) = send(signed(&put, &alice(&sts), SignableBody::Bytes(&big))).await;
    assert_eq!(status, 413, "{body}");
    assert!(body.contains("<Code>EntityTooLarge</Code>"), "{body}");
    task.abort();
    let _ = task.await;
    let call = get_object(&sts, "a.csv");
    let (status, _, body) = send(signed(&call, &alice(&sts), SignableBody::Bytes(b""))).await;
    assert_eq!(status, 502, "{body}");
    assert!(body.contains("cannot be reached"), "{body}");
}

#[tokio::test]
async fn the_gateways_decisions_are_recorded() {
    let sts = gateway(None).await;
    sts.start_recording(100);
    let call = get_object(&sts, "a.csv");
    for _ in 0..3 {
        send(signed(&call, &alice(&sts), SignableBody::Bytes(b""))).await;
    }
    let recording = sts.recording().unwrap();
    let lines = recording.to_json_lines();
    assert_eq!(recording.len(), 1, "{lines}");
    assert!(
        lines.contains("\"count\":3") && lines.contains("arn:aws:s3:::work/a.csv"),
        "{lines}"
    );
}

#[test]
fn a_backend_url_is_only_scheme_host_and_port() {
    let key = || Credentials::new("AKID", "secret", None, None, "test");
    for bad in [
        "ftp://h",
        "127.0.0.1:5000",
        "http://h/path",
        "http://h?q=1",
        "",
    ] {
        assert!(Backend::new(bad, key()).is_err(), "{bad}");
    }
    assert_eq!(
        Backend::new("http://127.0.0.1:5000/", key())
            .unwrap()
            .url()
            .as_deref(),
        Some("http://127.0.0.1:5000")
    );
    assert_eq!(Backend::aws(key()).unwrap().url(), None);
}
