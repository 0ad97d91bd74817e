//! Load and bounds of the embedded STS, and the worst case of wildcard matching:
//! `cargo bench -p xrole-test --bench sts_load`. Prints one `name: value` line per
//! figure; thresholds belong to the reader, not to this program.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a bench may stop loudly

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_sts::Client;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use xrole_core::PolicyDocument;
use xrole_core::policy::PolicyKind;
use xrole_test::eval::{Caller, CompiledPolicy, PolicySet, Request, evaluate};
use xrole_test::sts::{EmbeddedSts, World};

use support::rss_mib;

const ALICE: &str = "arn:aws:iam::111111111111:user/crossAccountUser";
const ROLE: &str = "arn:aws:iam::222222222222:role/CrossAccountAccessRole";

fn world() -> World {
    World::from_json(include_str!("../worlds/quickstart.json")).unwrap()
}

/// `total` AssumeRole calls from `concurrency` tasks; returns the elapsed time.
async fn assume_many(client: &Client, total: usize, concurrency: usize) -> Duration {
    let started = Instant::now();
    let per_task = total / concurrency;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let client = client.clone();
        tasks.spawn(async move {
            for _ in 0..per_task {
                client
                    .assume_role()
                    .role_arn(ROLE)
                    .role_session_name("bench")
                    .send()
                    .await
                    .unwrap();
            }
        });
    }
    while let Some(r) = tasks.join_next().await {
        r.unwrap();
    }
    started.elapsed()
}

async fn unsigned_megabyte(addr: std::net::SocketAddr) {
    unsigned(addr, &"=&".repeat(512 * 1024)).await;
}

/// One unsigned POST of `body`, its answer read to the end.
async fn unsigned(addr: std::net::SocketAddr, body: &str) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    // The server may answer and close before the whole body is sent.
    let _ = stream.write_all(body.as_bytes()).await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
}

fn glob_ms(pattern: &str, resource: &str) -> f64 {
    let doc: PolicyDocument = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:GetObject","Resource":"{pattern}"}}]}}"#
    )
    .parse()
    .unwrap();
    let policies = PolicySet {
        identity: vec![CompiledPolicy::new("bench", &doc, PolicyKind::Identity).unwrap()],
        ..PolicySet::default()
    };
    let request = Request::new(
        Caller::new(ALICE.parse().unwrap()),
        "s3:GetObject",
        resource,
    );
    let mut samples: Vec<f64> = (0..5)
        .map(|_| {
            let started = Instant::now();
            std::hint::black_box(evaluate(&request, &policies));
            started.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[2]
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let sts = Arc::new(EmbeddedSts::start(world()).await.unwrap());
        let config = sts.sdk_config_for(ALICE).await.unwrap();
        let client = Client::new(&config);
        assume_many(&client, 2_000, 64).await; // warm up
        let total = 20_000;
        let elapsed = assume_many(&client, total, 64).await;
        println!(
            "sts_assume_rps: {:.0}",
            total as f64 / elapsed.as_secs_f64()
        );

        // A fresh server whose sessions expire within a second: what stays is bounded
        // by the audit log's capacity and the sessions of the last second, not by the
        // number of calls.
        drop(client);
        drop(sts);
        let sts = Arc::new(EmbeddedSts::start(world()).await.unwrap());
        let client = Client::new(&sts.sdk_config_for(ALICE).await.unwrap());
        sts.set_credential_lifetime(Some(Duration::from_secs(1)));
        let before = rss_mib();
        assume_many(&client, 100_000, 64).await;
        println!("sts_rss_growth_mib: {:.1}", rss_mib() - before);
        println!("sts_live_sessions_after_100k: {}", sts.live_sessions());
        println!("sts_audit_entries_after_100k: {}", sts.audit().len());

        let before = rss_mib();
        for _ in 0..15 {
            let mut senders = tokio::task::JoinSet::new();
            for _ in 0..4 {
                senders.spawn(unsigned_megabyte(sts.addr()));
            }
            while senders.join_next().await.is_some() {}
        }
        println!("sts_unsigned_growth_mib: {:.1}", rss_mib() - before);

        // Unauthenticated AssumeRoleWithWebIdentity calls of about 250 KB each
        // (XROLE_BENCH_UNAUTHENTICATED_CALLS of them, 100,000 by default): the
        // audit log keeps a bounded summary of each, and at most 32 MiB in all.
        let calls: usize = std::env::var("XROLE_BENCH_UNAUTHENTICATED_CALLS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(100_000);
        let padding: String = (0..200)
            .map(|i| format!("&Pad{i}={}", "v".repeat(1_200)))
            .collect();
        let body: Arc<str> = format!(
            "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn:aws:iam::222222222222:role/CrossAccountAccessRole&RoleSessionName=x&WebIdentityToken=not.a.token{padding}"
        )
        .into();
        let before = rss_mib();
        let mut senders = tokio::task::JoinSet::new();
        for worker in 0..8 {
            let (addr, body) = (sts.addr(), body.clone());
            senders.spawn(async move {
                for _ in (worker..calls).step_by(8) {
                    unsigned(addr, &body).await;
                }
            });
        }
        while senders.join_next().await.is_some() {}
        println!("sts_unauthenticated_250kb_calls: {calls}");
        println!(
            "sts_unauthenticated_250kb_growth_mib: {:.1}",
            rss_mib() - before
        );
        println!(
            "sts_audit_mib_after_unauthenticated: {:.1}",
            sts.audit_bytes() as f64 / (1024.0 * 1024.0)
        );
    });

    // `*` and 6,000 `?` against a 1M-character resource (backtracking to the last
    // star costs 6e9 steps here), twice as long to show the time is linear, and with
    // the `?`s inside a segment (the bit-parallel search).
    let resource = |n: usize| format!("arn:aws:s3:::{}", "a".repeat(n));
    let stars = format!("arn:aws:s3:::*{}", "?".repeat(6_000));
    println!(
        "glob_worst_ms: {:.3}",
        glob_ms(&stars, &resource(1_000_000))
    );
    println!(
        "glob_worst_2m_chars_ms: {:.3}",
        glob_ms(&stars, &resource(2_000_000))
    );
    println!(
        "glob_inner_wildcards_ms: {:.1}",
        glob_ms(
            &format!("arn:aws:s3:::*a{}b*", "?".repeat(6_000)),
            &resource(1_000_000)
        )
    );

    let users: Vec<String> = (0..10_000)
        .map(|i| {
            format!(
                r#"{{"arn": "arn:aws:iam::111111111111:user/u{i}", "accessKeys": [{{"id": "AKIA{i:016}", "secret": "s{i}"}}]}}"#
            )
        })
        .collect();
    let json = format!(r#"{{"users": [{}]}}"#, users.join(","));
    let started = Instant::now();
    let loaded = World::from_json(&json).unwrap();
    println!(
        "world_load_10k_users_ms: {:.0}",
        started.elapsed().as_secs_f64() * 1000.0
    );
    assert_eq!(loaded.users().count(), 10_000);
}
