//! The embedded STS under abuse: idle, slow and half-closed connections, oversized
//! and anonymous requests, the audit log's and the session store's bounds, and the
//! fidelity points STS's own answers settle.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may fail loudly

use std::time::{Duration, SystemTime};

use aws_sdk_sts::Client;
use aws_sdk_sts::error::ProvideErrorMetadata;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use xrole_test::sts::{Clock, EmbeddedSts, EmbeddedStsBuilder, World};

const ALICE: &str = "arn:aws:iam::111111111111:user/crossAccountUser";
const ROLE: &str = "arn:aws:iam::222222222222:role/CrossAccountAccessRole";

fn world() -> World {
    World::from_json(include_str!("../../worlds/quickstart.json")).unwrap()
}

fn builder() -> EmbeddedStsBuilder {
    EmbeddedSts::builder(world())
}

/// Reads until the server closes the connection (or `limit` passes): what it sent.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> Option<String> {
    let mut out = Vec::new();
    match tokio::time::timeout(limit, stream.read_to_end(&mut out)).await {
        Ok(_) => Some(String::from_utf8_lossy(&out).into_owned()),
        Err(_) => None,
    }
}

/// Sends `request` as is, then reads the whole answer (the server closes).
async fn send(sts: &EmbeddedSts, request: &str) -> String {
    let mut stream = TcpStream::connect(sts.addr()).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    read_until_closed(&mut stream, Duration::from_secs(10))
        .await
        .expect("the server answers and closes")
}

fn post(sts: &EmbeddedSts, body: &str) -> String {
    format!(
        "POST / HTTP/1.1\r\nHost: {}\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        sts.addr(),
        body.len()
    )
}

#[tokio::test]
async fn idle_and_slow_connections_are_closed() {
    let sts = builder()
        .header_timeout(Duration::from_millis(300))
        .body_timeout(Duration::from_millis(300))
        .start()
        .await
        .unwrap();
    // Idle: connected, nothing sent.
    let mut idle = TcpStream::connect(sts.addr()).await.unwrap();
    assert!(
        read_until_closed(&mut idle, Duration::from_secs(5))
            .await
            .is_some(),
        "an idle connection is closed"
    );
    // Slowloris: half the headers, then nothing.
    let mut slow = TcpStream::connect(sts.addr()).await.unwrap();
    slow.write_all(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .await
        .unwrap();
    assert!(
        read_until_closed(&mut slow, Duration::from_secs(5))
            .await
            .is_some(),
        "half-sent headers do not hold the connection"
    );
    // An unfinished body: answered with an error, then closed.
    let mut unfinished = TcpStream::connect(sts.addr()).await.unwrap();
    unfinished
        .write_all(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-length: 100\r\n\r\nAction=Get")
        .await
        .unwrap();
    let answer = read_until_closed(&mut unfinished, Duration::from_secs(5))
        .await
        .expect("an unfinished body does not hold the connection");
    assert!(answer.contains("did not arrive in time"), "{answer}");
    // Between requests: a kept-alive connection that goes quiet is closed too.
    let mut kept = TcpStream::connect(sts.addr()).await.unwrap();
    let body = "Action=GetCallerIdentity&Version=2011-06-15";
    kept.write_all(
        format!(
            "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let answer = read_until_closed(&mut kept, Duration::from_secs(5))
        .await
        .expect("closed once idle after its answer");
    assert!(answer.contains("MissingAuthenticationToken"), "{answer}");
}

#[tokio::test]
async fn clients_that_half_close_get_every_answer() {
    let sts = EmbeddedSts::start(world()).await.unwrap();
    let body = "Action=GetCallerIdentity&Version=2011-06-15";
    for _ in 0..50 {
        let mut stream = TcpStream::connect(sts.addr()).await.unwrap();
        stream
            .write_all(
                format!(
                    "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                )
                .as_bytes(),
            )
            .await
            .unwrap();
        stream.shutdown().await.unwrap();
        let answer = read_until_closed(&mut stream, Duration::from_secs(5))
            .await
            .unwrap();
        assert!(answer.contains("MissingAuthenticationToken"), "{answer:?}");
    }
}

#[tokio::test]
async fn a_connection_beyond_the_limit_takes_the_place_of_the_oldest_idle_one() {
    use tokio::io::AsyncReadExt;
    let sts = builder()
        .max_connections(2)
        .header_timeout(Duration::from_secs(30))
        .start()
        .await
        .unwrap();
    let mut a = TcpStream::connect(sts.addr()).await.unwrap();
    let _b = TcpStream::connect(sts.addr()).await.unwrap();
    // Idle connections cannot keep a caller out: the third is served, and the
    // oldest idle one is closed for it.
    let answer = send(
        &sts,
        &post(&sts, "Action=GetCallerIdentity&Version=2011-06-15"),
    )
    .await;
    assert!(answer.contains("MissingAuthenticationToken"), "{answer}");
    let mut byte = [0u8; 1];
    let read = tokio::time::timeout(Duration::from_secs(5), a.read(&mut byte))
        .await
        .expect("the oldest idle connection is closed");
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
}

/// Unauthenticated web identity calls and sign-in requests full of text keep
/// nothing of it: the log stays small, entry after entry.
#[tokio::test]
async fn unauthenticated_text_never_grows_the_audit_log() {
    use xrole_test::sts::{MAX_AUDITED_CHARS, MAX_AUDITED_DETAIL_CHARS};
    let sts = EmbeddedSts::start(world()).await.unwrap();
    // About 250 KB of parameters each, with a token no provider signed.
    let padding: String = (0..200)
        .map(|i| format!("&Pad{i}={}", "v".repeat(1_200)))
        .collect();
    let body = format!(
        "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn:aws:iam::222222222222:role/CrossAccountAccessRole&RoleSessionName=x&WebIdentityToken=not.a.token{padding}"
    );
    assert!(body.len() > 240_000);
    let before = sts.audit_bytes();
    for _ in 0..50 {
        let _ = send(&sts, &post(&sts, &body)).await;
    }
    let audit = sts.audit_of("AssumeRoleWithWebIdentity");
    assert_eq!(audit.len(), 50);
    for entry in &audit {
        assert!(entry.parameters.is_empty(), "{entry:?}");
        assert!(entry.detail.as_deref().unwrap_or("").len() <= MAX_AUDITED_DETAIL_CHARS + 40);
    }
    // A sign-in request with a 60 KB session id: no more than a bounded id kept.
    let session = format!(
        r#"{{"sessionId":"{}","sessionKey":"k","sessionToken":"t"}}"#,
        "A".repeat(60_000)
    );
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("Action", "getSigninToken")
        .append_pair("Session", &session)
        .finish();
    let page = xrole_test::http::get(&format!("http://{}/federation?{query}", sts.addr()))
        .await
        .unwrap();
    assert_eq!(page.status, 403, "{}", page.body);
    let signin = sts.last_audit("getSigninToken").unwrap();
    assert!(
        signin.access_key_id.as_deref().unwrap().chars().count() < MAX_AUDITED_CHARS + 40,
        "{signin:?}"
    );
    let grown = sts.audit_bytes() - before;
    println!("audit_bytes_per_unauthenticated_call: {}", grown / 51);
    assert!(grown < 51 * 2 * 1024, "{grown} bytes for 51 calls");
}

#[tokio::test]
async fn anonymous_requests_leave_only_a_summary() {
    let sts = EmbeddedSts::start(world()).await.unwrap();
    // Many parameters, unsigned: refused before they are kept.
    let answer = send(&sts, &post(&sts, &"a=&".repeat(50_000))).await;
    assert!(answer.contains("<Code>ValidationError</Code>"), "{answer}");
    assert!(answer.contains("more than 256 parameters"), "{answer}");
    // Too large a body.
    let answer = send(&sts, &post(&sts, &"x".repeat(300 * 1024))).await;
    assert!(answer.contains("larger than 262144 bytes"), "{answer}");
    // A valid but unsigned request: its parameters are not logged.
    let answer = send(
        &sts,
        &post(
            &sts,
            &format!(
                "Action=AssumeRole&Version=2011-06-15&Policy={}",
                "p".repeat(100_000)
            ),
        ),
    )
    .await;
    assert!(answer.contains("MissingAuthenticationToken"), "{answer}");
    let audit = sts.audit();
    let last = audit.last().unwrap();
    assert!(last.parameters.is_empty());
    let detail = last.detail.as_deref().unwrap();
    assert!(detail.contains("not authenticated: POST /"), "{detail}");
    assert!(detail.len() < 300, "{detail}");
    // An unknown action is echoed within bounds, in the answer and the log.
    let action = "A".repeat(1 << 16);
    let answer = send(
        &sts,
        &post(&sts, &format!("Action={action}&Version=2011-06-15")),
    )
    .await;
    assert!(answer.contains("<Code>InvalidAction</Code>"), "{answer}");
    assert!(answer.len() < 2048, "{}", answer.len());
    let logged = sts.audit().last().unwrap().action.clone().unwrap();
    assert!(logged.len() < 200, "{}", logged.len());
}

#[tokio::test]
async fn the_audit_log_is_bounded_and_counts_stay_exact() {
    let sts = builder().audit_capacity(5).start().await.unwrap();
    let config = sts.sdk_config_for(ALICE).await.unwrap();
    let client = Client::new(&config);
    for _ in 0..20 {
        client.get_caller_identity().send().await.unwrap();
    }
    assert_eq!(sts.audit().len(), 5);
    assert_eq!(sts.dropped_audit_entries(), 15);
    assert_eq!(sts.count("GetCallerIdentity"), 20);
    assert_eq!(sts.audit().last().unwrap().call, 20);
}

#[tokio::test]
async fn expired_sessions_are_dropped_and_still_answer_expired() {
    let clock = Clock::manual(SystemTime::now());
    let sts = builder().clock(clock.clone()).start().await.unwrap();
    let config = sts.sdk_config_for(ALICE).await.unwrap();
    let client = Client::new(&config);
    let assume = || {
        client
            .assume_role()
            .role_arn(ROLE)
            .role_session_name("s1")
            .duration_seconds(900)
            .send()
    };
    let first = assume().await.unwrap();
    for _ in 0..49 {
        assume().await.unwrap();
    }
    assert_eq!(sts.live_sessions(), 50);
    clock.advance(Duration::from_secs(901));
    assume().await.unwrap();
    assert_eq!(sts.live_sessions(), 1, "the 50 expired sessions are gone");
    // The dropped session's token still says it expired.
    let c = first.credentials().unwrap();
    let old = aws_credential_types::Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_owned()),
        None,
        "test",
    );
    let stale = sts
        .sdk_config_with(aws_credential_types::provider::SharedCredentialsProvider::new(old))
        .await;
    let err = Client::new(&stale)
        .get_caller_identity()
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ExpiredTokenException"));
}

#[tokio::test]
async fn at_most_max_sessions_live() {
    let sts = builder().max_sessions(10).start().await.unwrap();
    let config = sts.sdk_config_for(ALICE).await.unwrap();
    let client = Client::new(&config);
    for _ in 0..25 {
        client
            .assume_role()
            .role_arn(ROLE)
            .role_session_name("s1")
            .send()
            .await
            .unwrap();
    }
    assert_eq!(sts.live_sessions(), 10);
}

#[tokio::test]
async fn a_request_from_the_future_is_not_yet_current() {
    let clock = Clock::manual(SystemTime::now());
    let sts = builder().clock(clock.clone()).start().await.unwrap();
    let ahead = Clock::manual(clock.now() + Duration::from_secs(3600));
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_types::region::Region::new("us-east-1"))
        .endpoint_url(sts.url())
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(
                sts.credentials_for(ALICE).unwrap(),
            ),
        )
        .time_source(ahead)
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .load()
        .await;
    let err = Client::new(&config)
        .get_caller_identity()
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("SignatureDoesNotMatch"));
    let message = err.message().unwrap();
    assert!(
        message.starts_with("Signature not yet current: "),
        "{message}"
    );
    assert!(message.contains(" is still later than "), "{message}");
    assert!(message.ends_with(" + 15 min.)"), "{message}");
}

/// STS accepts the Query protocol's parameters in a GET's query string.
#[tokio::test]
async fn get_requests_with_query_parameters_are_served() {
    use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
    use aws_sigv4::sign::v4;
    let sts = EmbeddedSts::start(world()).await.unwrap();
    let host = sts.addr().to_string();
    let path = "/?Action=GetCallerIdentity&Version=2011-06-15";
    let uri = format!("http://{host}{path}");
    let identity = sts.credentials_for(ALICE).unwrap().into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name("sts")
        .time(sts.clock().now())
        .settings(SigningSettings::default())
        .build()
        .unwrap()
        .into();
    let signable = SignableRequest::new(
        "GET",
        &uri,
        [("host", host.as_str())].into_iter(),
        SignableBody::Bytes(b""),
    )
    .unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    let mut request = format!("GET {path} HTTP/1.1\r\nhost: {host}\r\nconnection: close\r\n");
    for (name, value) in instructions.headers() {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    let answer = send(&sts, &request).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains(&format!("<Arn>{ALICE}</Arn>")), "{answer}");
}
