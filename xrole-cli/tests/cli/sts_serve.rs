//! `xrole sts serve`, the standalone embedded STS, driven as another tool would
//! drive it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may fail loudly

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Kills the server however the test ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// An SDK configuration for the quickstart world's user, on the server at `url`.
async fn quickstart_user(url: &str) -> aws_types::SdkConfig {
    let credentials = aws_credential_types::Credentials::new(
        "AKIAXROLEQUICKSTART1",
        "xrole-quickstart-secret-not-a-real-key-00",
        None,
        None,
        "world file",
    );
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_types::region::Region::new("us-east-1"))
        .endpoint_url(url)
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(credentials),
        )
        .load()
        .await
}

#[tokio::test]
async fn serves_a_world_file_to_any_sdk() {
    let (_server, url) = start_with_shell("", "");
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    let config = quickstart_user(&url).await;
    let sts = aws_sdk_sts::Client::new(&config);
    let out = sts
        .assume_role()
        .role_arn("arn:aws:iam::222222222222:role/CrossAccountAccessRole")
        .role_session_name("dev-session")
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.assumed_role_user().unwrap().arn(),
        "arn:aws:sts::222222222222:assumed-role/CrossAccountAccessRole/dev-session"
    );
}

#[test]
fn bad_arguments_and_worlds_are_refused() {
    let exe = env!("CARGO_BIN_EXE_xrole");
    let out = Command::new(exe).args(["sts", "serve"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--world <WORLD>"));
    let out = Command::new(exe)
        .args(["sts", "serve", "--world", "/nonexistent/world.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read /nonexistent/world.json"));
    let dir = std::env::temp_dir().join(format!("xrole-sts-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("world.json");
    std::fs::write(&bad, r#"{"roles":[{"arn":"nope","trustPolicy":{}}]}"#).unwrap();
    let out = Command::new(exe)
        .args(["sts", "serve", "--world"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("roles[0].arn: role ARN: must start with \"arn:\""),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A port in use: the typed error's line, then its cause, each once.
    let empty = dir.join("empty.json");
    std::fs::write(&empty, "{}").unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = Command::new(exe)
        .args(["sts", "serve", "--port", &port, "--world"])
        .arg(&empty)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("xrole: embedded STS: the server cannot bind or serve: "),
        "{stderr}"
    );
    assert_eq!(stderr.matches("embedded STS").count(), 1, "{stderr}");
    assert!(stderr.contains("in use"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Starts the server through `sh` (for `ulimit`, given as `prefix`) and returns it
/// with its URL.
fn start_with_shell(prefix: &str, extra: &str) -> (Server, String) {
    let world = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../xrole-test/worlds/quickstart.json"
    );
    let mut server = Server(
        Command::new("sh")
            .arg("-c")
            .arg(format!(
                "{prefix} exec \"$0\" sts serve --world \"$1\" --port 0 $2"
            ))
            .arg(env!("CARGO_BIN_EXE_xrole"))
            .arg(world)
            .arg(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut first = String::new();
    BufReader::new(server.0.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let url = first
        .trim()
        .strip_prefix("xrole sts listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_owned();
    (server, url)
}

#[test]
fn sigterm_stops_the_server_with_its_closing_line() {
    let (mut server, _url) = start_with_shell("", "");
    let status = Command::new("kill")
        .args(["-TERM", &server.0.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut server.0.stderr.take().unwrap(), &mut stderr).unwrap();
    let exit = server.0.wait().unwrap();
    assert_eq!(exit.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("xrole sts: stopped by SIGTERM (0 calls)"),
        "{stderr}"
    );
}

/// CPU time (user + system) of a process, in clock ticks (1/100 s on Linux).
#[cfg(target_os = "linux")]
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the parenthesised command name; utime and stime are the 14th
    // and 15th of the whole line.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

/// With its file descriptors exhausted, the server waits instead of spinning on
/// accept errors, and serves again once descriptors are free.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_file_descriptors_it_neither_spins_nor_stays_down() {
    let (server, url) = start_with_shell("ulimit -n 48 &&", "");
    let addr = url.trim_start_matches("http://").to_owned();
    let mut held = Vec::new();
    for _ in 0..120 {
        match std::net::TcpStream::connect(&addr) {
            Ok(s) => held.push(s),
            Err(_) => break,
        }
    }
    assert!(
        held.len() > 48,
        "more connections than descriptors: {}",
        held.len()
    );
    std::thread::sleep(std::time::Duration::from_millis(300));
    let pid = server.0.id();
    let before = cpu_ticks(pid);
    std::thread::sleep(std::time::Duration::from_secs(2));
    let spent = cpu_ticks(pid) - before;
    println!("cpu ticks in 2 s while out of descriptors: {spent}");
    assert!(
        spent < 50,
        "the accept loop spun: {spent} ticks of CPU in 2 s (a spinning loop takes about 200)"
    );
    drop(held);
    let config = quickstart_user(&url).await;
    let identity = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        aws_sdk_sts::Client::new(&config)
            .get_caller_identity()
            .send(),
    )
    .await
    .expect("served again within 20 s")
    .unwrap();
    assert_eq!(
        identity.arn(),
        Some("arn:aws:iam::111111111111:user/crossAccountUser")
    );
}

#[tokio::test]
async fn the_credential_lifetime_can_be_shortened_below_stss_minimum() {
    let (_server, url) = start_with_shell("", "--credential-lifetime 60");
    let config = quickstart_user(&url).await;
    let out = aws_sdk_sts::Client::new(&config)
        .assume_role()
        .role_arn("arn:aws:iam::222222222222:role/CrossAccountAccessRole")
        .role_session_name("short")
        .send()
        .await
        .unwrap();
    let expiration = out.credentials().unwrap().expiration();
    let lifetime =
        expiration.secs() - aws_smithy_types::DateTime::from(std::time::SystemTime::now()).secs();
    assert!((50..=61).contains(&lifetime), "{lifetime}");
}
