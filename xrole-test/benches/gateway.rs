//! Gateway figures (issue 28): `cargo bench -p xrole-test --bench gateway`.
//! The gateway in front of a backend in this process that answers at once, so
//! that what is measured is the gateway's own work: verification, decision,
//! forwarding re-signed and streaming back. Prints one `name: value` line per
//! figure:
//!
//! - `gateway_added_p50_ms`, `gateway_added_p99_ms`: an S3 GetObject and a
//!   DynamoDB GetItem through the gateway against the same calls sent
//!   straight to the backend, alternated in one run (the SDK tier measures the
//!   same against moto with boto3: `gateway_overhead_p50_ms`);
//! - `gateway_rps`: calls per second from 64 concurrent clients;
//! - `gateway_rss_mib_after_100k`, `gateway_rss_mib_after_1m`: the process's
//!   resident memory after 100,000 and after 1,000,000 calls (flat: the
//!   audit log, the sessions and the bodies held are all bounded).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a bench may stop loudly

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SigningSettings,
    UriPathNormalizationMode, sign,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::json;
use xrole_test::sts::{Backend, EmbeddedSts, User, World};

use support::rss_mib;

const ALICE: &str = "arn:aws:iam::111111111111:user/alice";
const REGION: &str = "us-east-1";
const CLIENTS: usize = 64;

fn world() -> World {
    let mut w = World::new();
    let policy = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::work/*"},
        {"Effect": "Allow", "Action": "dynamodb:GetItem",
         "Resource": "arn:aws:dynamodb:us-east-1:111111111111:table/orders"}
    ]});
    w.add_user(
        User::new(ALICE.parse().unwrap())
            .unwrap()
            .policy("work", policy.to_string().parse().unwrap()),
    )
    .unwrap();
    w
}

/// A backend that answers every call at once with a small body.
async fn backend() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(xrole_test::http::serve(
        listener,
        xrole_test::http::Bounds {
            max_connections: 1024,
            header_timeout: Duration::from_secs(10),
            first_request_timeout: Duration::from_secs(10),
        },
        |req: hyper::Request<hyper::body::Incoming>, _| async move {
            let _ = req.into_body().collect().await;
            hyper::Response::new(Full::new(Bytes::from_static(&[b'x'; 1024])))
        },
    ));
    url
}

/// A request signed once by `creds` for `base`: the same signature holds for
/// 15 minutes, so the clients send it again and again.
fn signed(base: &str, creds: &Credentials, dynamodb: bool) -> http::Request<Bytes> {
    let (method, url, service, headers, body): (_, _, _, Vec<(&str, &str)>, &[u8]) = if dynamodb {
        (
            "POST",
            format!("{base}/"),
            "dynamodb",
            vec![
                ("x-amz-target", "DynamoDB_20120810.GetItem"),
                ("content-type", "application/x-amz-json-1.0"),
            ],
            br#"{"TableName":"orders","Key":{"id":{"S":"1"}}}"#,
        )
    } else {
        (
            "GET",
            format!("{base}/work/in/a.csv"),
            "s3",
            Vec::new(),
            b"",
        )
    };
    let mut settings = SigningSettings::default();
    if !dynamodb {
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    }
    let identity: Identity = creds.clone().into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(REGION)
        .name(service)
        .time(SystemTime::now())
        .settings(settings)
        .build()
        .unwrap()
        .into();
    let signable = SignableRequest::new(
        method,
        &url,
        headers.iter().copied(),
        SignableBody::Bytes(body),
    )
    .unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    let mut request = http::Request::builder()
        .method(method)
        .uri(&url)
        .body(Bytes::from_static(body))
        .unwrap();
    for (k, v) in headers {
        request.headers_mut().insert(k, v.parse().unwrap());
    }
    instructions.apply_to_request_http1x(&mut request);
    request
}

type Http = Client<HttpConnector, Full<Bytes>>;

async fn call(client: &Http, request: &http::Request<Bytes>) {
    let mut copy = http::Request::builder()
        .method(request.method())
        .uri(request.uri())
        .body(Full::new(request.body().clone()))
        .unwrap();
    *copy.headers_mut() = request.headers().clone();
    let response = client.request(copy).await.unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    response.into_body().collect().await.unwrap();
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p) as usize]
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run());
}

async fn run() {
    let backend_url = backend().await;
    let backend_key = Credentials::new("AKIDBACKEND", "backend-secret", None, None, "bench");
    let sts = EmbeddedSts::builder(world())
        .region(REGION)
        .max_connections(1024)
        .backend(Backend::new(&backend_url, backend_key.clone()).unwrap())
        .start()
        .await
        .unwrap();
    let alice = sts.credentials_for(ALICE).unwrap();
    let client: Http = Client::builder(TokioExecutor::new()).build_http();

    // Added latency: the same two calls through the gateway and straight to
    // the backend, alternated so that drift falls on both.
    let through = [
        signed(&sts.url(), &alice, false),
        signed(&sts.url(), &alice, true),
    ];
    let direct = [
        signed(&backend_url, &backend_key, false),
        signed(&backend_url, &backend_key, true),
    ];
    let (mut via, mut straight) = (Vec::new(), Vec::new());
    for round in 0..6_000 {
        for (requests, samples) in [(&through, &mut via), (&direct, &mut straight)] {
            let start = Instant::now();
            call(&client, &requests[round % 2]).await;
            if round >= 1_000 {
                samples.push(start.elapsed().as_secs_f64() * 1e3);
            }
        }
    }
    via.sort_by(f64::total_cmp);
    straight.sort_by(f64::total_cmp);
    for (name, p) in [("p50", 0.5), ("p99", 0.99)] {
        println!(
            "gateway_added_{name}_ms: {:.3}",
            percentile(&via, p) - percentile(&straight, p)
        );
    }
    println!("gateway_call_p50_ms: {:.3}", percentile(&via, 0.5));

    // Throughput and memory: 64 clients, each on its own connection.
    let request = Arc::new(signed(&sts.url(), &alice, false));
    let load = |total: usize| {
        let done = Arc::new(AtomicUsize::new(0));
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..CLIENTS {
            let (request, done) = (request.clone(), done.clone());
            let client: Http = Client::builder(TokioExecutor::new())
                .pool_max_idle_per_host(1)
                .build_http();
            tasks.spawn(async move {
                while done.fetch_add(1, Ordering::Relaxed) < total {
                    call(&client, &request).await;
                }
            });
        }
        tasks
    };
    let started = Instant::now();
    load(100_000).join_all().await;
    let elapsed = started.elapsed();
    println!("gateway_rps: {:.0}", 100_000.0 / elapsed.as_secs_f64());
    println!("gateway_rss_mib_after_100k: {:.1}", rss_mib());
    load(900_000).join_all().await;
    println!("gateway_rss_mib_after_1m: {:.1}", rss_mib());
    println!("gateway_audit_entries_kept: {}", sts.audit().len());
}
