//! The standalone `xrole-sts` server, driven as another tool would drive it.
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

#[tokio::test]
async fn serves_a_world_file_to_any_sdk() {
    let world = concat!(env!("CARGO_MANIFEST_DIR"), "/worlds/quickstart.json");
    let mut server = Server(
        Command::new(env!("CARGO_BIN_EXE_xrole-sts"))
            .args(["--world", world, "--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut first = String::new();
    BufReader::new(server.0.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let url = first
        .trim()
        .strip_prefix("xrole-sts listening on ")
        .unwrap()
        .to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    let credentials = aws_credential_types::Credentials::new(
        "AKIAXROLEQUICKSTART1",
        "xrole-quickstart-secret-not-a-real-key-00",
        None,
        None,
        "world file",
    );
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_types::region::Region::new("us-east-1"))
        .endpoint_url(&url)
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(credentials),
        )
        .load()
        .await;
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
    let exe = env!("CARGO_BIN_EXE_xrole-sts");
    let out = Command::new(exe).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--world is required"));
    let out = Command::new(exe)
        .args(["--world", "/nonexistent/world.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let dir = std::env::temp_dir().join(format!("xrole-sts-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("world.json");
    std::fs::write(&bad, r#"{"roles":[{"arn":"nope","trustPolicy":{}}]}"#).unwrap();
    let out = Command::new(exe).arg("--world").arg(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("roles[0].arn: role ARN: must start with \"arn:\""),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
