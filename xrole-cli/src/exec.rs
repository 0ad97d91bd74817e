//! `xrole exec`: a child on the role, served by a credential endpoint on
//! 127.0.0.1 in the container-credentials protocol every AWS SDK reads
//! (`AWS_CONTAINER_CREDENTIALS_FULL_URI` with `AWS_CONTAINER_AUTHORIZATION_TOKEN`).
//! The endpoint answers from the session's refresh engine, so the child's SDK
//! fetches new credentials before its copy expires, for as long as it runs.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use serde_json::json;
use tokio::net::TcpListener;
use xrole::AssumedRole;
use xrole_sts::http::{Bounds, serve_trusting};

use crate::CliError;
use crate::output::{rfc3339, variables};
use crate::role::RoleFlags;

/// Variables that would give the child other credentials than the endpoint's (the
/// SDKs read them first), or name another endpoint.
const CONFLICTING: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
];

/// The prefix of the variables xrole reads its flags from (`XROLE_EXTERNAL_ID`,
/// ...): never passed to the child.
const XROLE_PREFIX: &str = "XROLE_";

/// Connections the endpoint serves at once: children, and their SDKs' pools.
const MAX_CONNECTIONS: usize = 256;
/// Time a client has to send a request's headers, and the longest idle time.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Time a new connection has to start its request: SDKs send at once.
const FIRST_REQUEST_TIMEOUT: Duration = Duration::from_secs(2);

/// Runs `command` on the role; the child's exit code is the result.
pub(crate) async fn run(
    flags: &RoleFlags,
    static_env: bool,
    command: &[String],
) -> Result<ExitCode, CliError> {
    let session = flags.assume_lasting().await?;
    let (mut child, program) = child_command(command)?;
    let endpoint = if static_env {
        child.envs(variables(&session.credentials().await?));
        None
    } else {
        let endpoint = Endpoint::start(session).await?;
        endpoint.serve_to(&mut child);
        Some(endpoint)
    };
    let status = run_child(child, program).await?;
    drop(endpoint);
    Ok(exit_code(status))
}

/// `command` (the program and its arguments) as xrole's child: without the
/// variables that would give it other credentials or name another credential
/// source, nor xrole's own (`XROLE_...`, the ExternalId among them). Its
/// program's name too, for errors.
pub(crate) fn child_command(
    command: &[String],
) -> Result<(tokio::process::Command, &str), CliError> {
    let (program, args) = command
        .split_first()
        .ok_or(CliError::Usage("give the command to run after --"))?;
    let mut child = tokio::process::Command::new(program);
    child.args(args);
    for name in CONFLICTING {
        child.env_remove(name);
    }
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(|n| n.starts_with(XROLE_PREFIX)) {
            child.env_remove(name);
        }
    }
    Ok((child, program))
}

/// Runs the child to its end; SIGINT and SIGTERM sent to xrole meanwhile are
/// passed on to it.
pub(crate) async fn run_child(
    mut child: tokio::process::Command,
    program: &str,
) -> Result<std::process::ExitStatus, CliError> {
    let signals = Signals::watch()?;
    let mut child = child
        .spawn()
        .map_err(CliError::io(format!("cannot run {program}")))?;
    wait_forwarding_signals(&mut child, signals).await
}

/// SIGINT and SIGTERM, watched from before the child starts: a signal that
/// arrives as soon as the child runs is forwarded, never xrole's death.
struct Signals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    fn watch() -> Result<Self, CliError> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Self {
            interrupt: signal(SignalKind::interrupt())
                .map_err(CliError::io("cannot watch SIGINT"))?,
            terminate: signal(SignalKind::terminate())
                .map_err(CliError::io("cannot watch SIGTERM"))?,
        })
    }
}

/// Waits for the child; SIGINT and SIGTERM sent to xrole are passed on to it (a
/// terminal's Ctrl-C reaches both already), and xrole stays until it exits.
async fn wait_forwarding_signals(
    child: &mut tokio::process::Child,
    signals: Signals,
) -> Result<std::process::ExitStatus, CliError> {
    let Signals {
        mut interrupt,
        mut terminate,
    } = signals;
    let pid = child
        .id()
        .and_then(|id| i32::try_from(id).ok())
        .and_then(rustix::process::Pid::from_raw);
    loop {
        let forward = tokio::select! {
            status = child.wait() => return status.map_err(CliError::io("waiting for the command")),
            _ = interrupt.recv() => rustix::process::Signal::INT,
            _ = terminate.recv() => rustix::process::Signal::TERM,
        };
        if let Some(pid) = pid {
            // The child may have exited meanwhile: its wait answers next.
            let _ = rustix::process::kill_process(pid, forward);
        }
    }
}

/// The child's code; a child killed by a signal gives 128 + the signal, as shells do.
pub(crate) fn exit_code(status: std::process::ExitStatus) -> ExitCode {
    use std::os::unix::process::ExitStatusExt;
    let code = status
        .code()
        .or_else(|| status.signal().map(|s| 128 + s))
        .unwrap_or(1);
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

/// The credential endpoint: stops when dropped.
pub(crate) struct Endpoint {
    /// `http://127.0.0.1:PORT/credentials`.
    pub(crate) url: String,
    /// The token a request must carry in `Authorization`.
    pub(crate) token: String,
    task: tokio::task::JoinHandle<()>,
}

impl Endpoint {
    /// Points `child`'s SDK at this endpoint.
    pub(crate) fn serve_to(&self, child: &mut tokio::process::Command) {
        child
            .env("AWS_CONTAINER_CREDENTIALS_FULL_URI", &self.url)
            .env("AWS_CONTAINER_AUTHORIZATION_TOKEN", &self.token);
    }
}

impl Drop for Endpoint {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Endpoint {
    /// Serves `session` on a random port of 127.0.0.1 with a random token.
    pub(crate) async fn start(session: AssumedRole) -> Result<Self, CliError> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(CliError::io("cannot open the credential endpoint"))?;
        let addr = listener
            .local_addr()
            .map_err(CliError::io("cannot open the credential endpoint"))?;
        let token = random_token()?;
        let served = Arc::new(Served {
            session,
            token: token.clone(),
        });
        let bounds = Bounds {
            max_connections: MAX_CONNECTIONS,
            header_timeout: HEADER_TIMEOUT,
            first_request_timeout: FIRST_REQUEST_TIMEOUT,
        };
        // A connection that carried the token keeps its place however many others
        // a local process opens: the child is answered first.
        let trusted = {
            let served = served.clone();
            move |headers: &http::HeaderMap| authorized(headers, &served.token)
        };
        let task = tokio::spawn(serve_trusting(
            listener,
            bounds,
            trusted,
            move |req, _peer| {
                let served = served.clone();
                async move { answer(&served, &req).await }
            },
        ));
        Ok(Self {
            url: format!("http://{addr}/credentials"),
            token,
            task,
        })
    }
}

/// 32 random bytes from the operating system, in hex.
fn random_token() -> Result<String, CliError> {
    Ok(hex::encode(crate::random::<32>("the endpoint's token")?))
}

struct Served {
    session: AssumedRole,
    token: String,
}

type Answer = hyper::Response<Full<Bytes>>;

fn json_answer(status: http::StatusCode, body: &serde_json::Value) -> Answer {
    let mut response = hyper::Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}

/// Whether two tokens are equal, in time that does not depend on where they differ.
fn same_token(given: &[u8], expected: &[u8]) -> bool {
    given.len() == expected.len()
        && given
            .iter()
            .zip(expected)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// Whether a request carries the endpoint's token.
fn authorized(headers: &http::HeaderMap, token: &str) -> bool {
    headers
        .get(http::header::AUTHORIZATION)
        .is_some_and(|v| same_token(v.as_bytes(), token.as_bytes()))
}

/// One request: the token checked, then the session's current credentials, which
/// the engine hands out at once once loaded.
async fn answer(served: &Served, req: &hyper::Request<Incoming>) -> Answer {
    if !authorized(req.headers(), &served.token) {
        return json_answer(
            http::StatusCode::FORBIDDEN,
            &json!({"code": "AccessDenied", "message": "missing or wrong authorization token"}),
        );
    }
    if req.method() != http::Method::GET {
        return json_answer(
            http::StatusCode::METHOD_NOT_ALLOWED,
            &json!({"code": "MethodNotAllowed", "message": "use GET"}),
        );
    }
    match served.session.credentials().await {
        Ok(c) => json_answer(
            http::StatusCode::OK,
            &json!({
                "AccessKeyId": c.access_key_id(),
                "SecretAccessKey": c.secret_access_key(),
                "Token": c.session_token(),
                "Expiration": rfc3339(&c),
            }),
        ),
        // xrole's errors carry no secret; the child's SDK shows the message.
        Err(e) => json_answer(
            http::StatusCode::INTERNAL_SERVER_ERROR,
            &json!({"code": "CredentialsUnavailable", "message": e.to_string()}),
        ),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may fail loudly

    use std::time::Instant;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use xrole::{AssumeRole, Source};
    use xrole_sts::{EmbeddedSts, World};

    use super::*;

    const WORLD: &str = include_str!("../../xrole-test/worlds/quickstart.json");
    const USER: &str = "arn:aws:iam::111111111111:user/crossAccountUser";
    const ROLE: &str = "arn:aws:iam::222222222222:role/CrossAccountAccessRole";

    async fn endpoint(sts: &EmbeddedSts) -> Endpoint {
        let base = sts.sdk_config_for(USER).await.unwrap();
        let session = AssumeRole::new(ROLE.parse().unwrap())
            .eager(true)
            .assume(Source::Config(&base))
            .await
            .unwrap();
        Endpoint::start(session).await.unwrap()
    }

    /// One request on a connection of its own, as a new child makes it: the
    /// status and the body.
    async fn get(url: &str, method: &str, token: Option<&str>) -> (u16, String) {
        let rest = url.strip_prefix("http://").unwrap();
        let (addr, path) = rest.split_at(rest.find('/').unwrap());
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let auth = token
            .map(|t| format!("Authorization: {t}\r\n"))
            .unwrap_or_default();
        let request =
            format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Connection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        let status = answer[9..12].parse().unwrap();
        let body = answer
            .split("\r\n\r\n")
            .nth(1)
            .unwrap_or_default()
            .to_owned();
        (status, body)
    }

    #[tokio::test]
    async fn the_endpoint_answers_only_its_token() {
        let sts = EmbeddedSts::start(World::from_json(WORLD).unwrap())
            .await
            .unwrap();
        let endpoint = endpoint(&sts).await;
        assert!(endpoint.url.starts_with("http://127.0.0.1:"));
        assert_eq!(endpoint.token.len(), 64);
        let (status, body) = get(&endpoint.url, "GET", None).await;
        assert_eq!(status, 403, "{body}");
        let (status, _) = get(&endpoint.url, "GET", Some("not-the-token")).await;
        assert_eq!(status, 403);
        let (status, _) = get(&endpoint.url, "POST", Some(&endpoint.token)).await;
        assert_eq!(status, 405);
        let (status, body) = get(&endpoint.url, "GET", Some(&endpoint.token)).await;
        assert_eq!(status, 200, "{body}");
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert!(json["AccessKeyId"].as_str().unwrap().starts_with("ASIA"));
        assert!(json["Token"].is_string() && json["Expiration"].is_string());
        // Two endpoints, two tokens.
        let other = super::random_token().unwrap();
        assert_ne!(other, endpoint.token);
        // Dropped, it stops serving.
        let url = endpoint.url.clone();
        drop(endpoint);
        tokio::time::sleep(Duration::from_millis(50)).await;
        let addr = url
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap()
            .to_owned();
        assert!(tokio::net::TcpStream::connect(addr).await.is_err());
    }

    /// 100 children asking at once, while the session refreshes against an STS that
    /// takes 1 s to answer: the endpoint answers from the engine, never from STS.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_endpoint_never_waits_on_a_slow_sts() {
        let sts = EmbeddedSts::start(World::from_json(WORLD).unwrap())
            .await
            .unwrap();
        // Four-second credentials: the session refreshes 2 s before expiry
        // (half the lifetime), each refresh taking 1 s.
        sts.set_credential_lifetime(Some(Duration::from_secs(4)));
        let endpoint = Arc::new(endpoint(&sts).await);
        sts.set_latency(Duration::from_secs(1));
        let started = Instant::now();
        let mut children = tokio::task::JoinSet::new();
        for _ in 0..100 {
            let endpoint = endpoint.clone();
            children.spawn(async move {
                let mut times = Vec::new();
                let mut keys = std::collections::BTreeSet::new();
                while started.elapsed() < Duration::from_millis(4500) {
                    let t = Instant::now();
                    let (status, body) = get(&endpoint.url, "GET", Some(&endpoint.token)).await;
                    times.push(t.elapsed());
                    assert_eq!(status, 200, "{body}");
                    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
                    keys.insert(json["AccessKeyId"].as_str().unwrap().to_owned());
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                (times, keys)
            });
        }
        let mut times = Vec::new();
        let mut keys = std::collections::BTreeSet::new();
        while let Some(child) = children.join_next().await {
            let (t, k) = child.unwrap();
            times.extend(t);
            keys.extend(k);
        }
        times.sort();
        let p99 = times[times.len() * 99 / 100];
        println!("exec_endpoint_requests: {}", times.len());
        println!("exec_endpoint_p99_ms: {:.1}", p99.as_secs_f64() * 1000.0);
        println!(
            "exec_endpoint_max_ms: {:.1}",
            times[times.len() - 1].as_secs_f64() * 1000.0
        );
        println!("exec_endpoint_distinct_keys: {}", keys.len());
        assert!(
            keys.len() >= 2,
            "the session refreshed while serving: {keys:?}"
        );
    }

    /// A local process holding 556 idle connections, reopened as they close,
    /// starves no child: the child's fetches take the place of idle ones.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn idle_connections_of_another_process_starve_no_child() {
        const ATTACKERS: usize = 556;
        let sts = EmbeddedSts::start(World::from_json(WORLD).unwrap())
            .await
            .unwrap();
        let endpoint = endpoint(&sts).await;
        let addr = endpoint
            .url
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap()
            .to_owned();
        let deadline = Instant::now() + Duration::from_secs(60);
        let stop = Arc::new(tokio::sync::Notify::new());
        let mut attackers = tokio::task::JoinSet::new();
        for _ in 0..ATTACKERS {
            let (addr, stop) = (addr.clone(), stop.clone());
            attackers.spawn(async move {
                let reopen = async {
                    while Instant::now() < deadline {
                        let Ok(mut held) = tokio::net::TcpStream::connect(&addr).await else {
                            tokio::time::sleep(Duration::from_millis(10)).await;
                            continue;
                        };
                        // Idle until the server closes it, then again.
                        let mut byte = [0u8; 1];
                        let _ = tokio::time::timeout(Duration::from_secs(30), held.read(&mut byte))
                            .await;
                    }
                };
                tokio::select! {
                    () = reopen => {}
                    () = stop.notified() => {}
                }
            });
        }
        // Every attacker connected once before the child asks.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let mut times = Vec::new();
        let mut failed = 0;
        for _ in 0..200 {
            let t = Instant::now();
            match tokio::time::timeout(
                Duration::from_secs(5),
                get(&endpoint.url, "GET", Some(&endpoint.token)),
            )
            .await
            {
                Ok((200, _)) => times.push(t.elapsed()),
                _ => failed += 1,
            }
        }
        stop.notify_waiters();
        attackers.abort_all();
        times.sort();
        let p99 = times
            .get(times.len() * 99 / 100)
            .copied()
            .unwrap_or_default();
        println!("endpoint_attacker_connections: {ATTACKERS}");
        println!("endpoint_child_fetch_failed: {failed}");
        println!(
            "endpoint_child_fetch_p99_ms: {:.1}",
            p99.as_secs_f64() * 1000.0
        );
        assert_eq!(failed, 0, "every fetch of the child is answered");
    }
}
