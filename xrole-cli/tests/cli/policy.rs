//! `xrole policy`: simulate, lint, generate.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may fail loudly

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

fn line(principal: &str, external_id: Option<&str>) -> String {
    let mut context = serde_json::Map::new();
    if let Some(id) = external_id {
        context.insert("sts:ExternalId".into(), json!(id));
    }
    json!({
        "request": {"principal": principal, "action": "sts:AssumeRole",
                    "resource": "arn:aws:iam::222222222222:role/VendorRole", "context": context},
        "identityPolicies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                              "Resource": "arn:aws:iam::222222222222:role/VendorRole"}]}],
        "resourcePolicy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": "ext-1"}}}]}
    })
    .to_string()
}

#[test]
fn simulate_reads_stdin_and_files() {
    let exe = env!("CARGO_BIN_EXE_xrole");
    let input = format!(
        "{}\nbroken\n{}\n",
        line("arn:aws:iam::111111111111:user/alice", Some("ext-1")),
        line("arn:aws:iam::111111111111:user/alice", Some("nope"))
    );
    let mut child = Command::new(exe)
        .args(["policy", "simulate"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "a line answered with an error"
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let decisions: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(decisions.len(), 3);
    assert_eq!(decisions[0]["decision"], "Allowed");
    assert!(decisions[1].get("error").is_some());
    assert_eq!(decisions[2]["decision"], "ImplicitlyDenied");
    assert_eq!(
        String::from_utf8(output.stderr).unwrap().trim(),
        "xrole policy simulate: 2 evaluated, 1 errors"
    );

    let dir = std::env::temp_dir().join(format!("xrole-cli-simulate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("requests.jsonl");
    std::fs::write(&file, &input).unwrap();
    let from_file = Command::new(exe)
        .args(["policy", "simulate"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(from_file.stdout).unwrap(), stdout);
    let clean = dir.join("clean.jsonl");
    std::fs::write(
        &clean,
        line("arn:aws:iam::111111111111:user/alice", Some("ext-1")),
    )
    .unwrap();
    let all_evaluated = Command::new(exe)
        .args(["policy", "simulate"])
        .arg(&clean)
        .output()
        .unwrap();
    assert_eq!(all_evaluated.status.code(), Some(0));
    let missing = Command::new(exe)
        .args(["policy", "simulate"])
        .arg(dir.join("missing.jsonl"))
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    std::fs::remove_dir_all(&dir).unwrap();
}

fn xrole(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_xrole"))
        .args(args)
        .output()
        .unwrap()
}

/// A directory of policy files, removed when dropped.
struct Files(std::path::PathBuf);

impl Files {
    fn new(name: &str, files: &[(&str, &str)]) -> Self {
        let dir = std::env::temp_dir().join(format!("xrole-cli-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (file, text) in files {
            std::fs::write(dir.join(file), text).unwrap();
        }
        Self(dir)
    }

    fn path(&self, file: &str) -> String {
        self.0.join(file).display().to_string()
    }
}

impl Drop for Files {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn lint_reads_trust_and_permission_policies_and_sets_the_exit_code() {
    let files = Files::new(
        "lint",
        &[
            (
                "trust.json",
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#,
            ),
            (
                "vendor.json",
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"sts:AssumeRole"}]}"#,
            ),
            (
                "permissions.json",
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#,
            ),
            ("broken.json", r#"{"Version":"2012-10-17","Statement":"#),
        ],
    );
    let out = xrole(&[
        "policy",
        "lint",
        &files.path("trust.json"),
        "--own-account",
        "222222222222",
    ]);
    assert_eq!(out.status.code(), Some(1), "an error finding");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with(&format!(
            "{}:1:75: error[XR001] trust policy Statement[0].Principal.AWS:",
            files.path("trust.json")
        )),
        "{text}"
    );

    // Warnings only: exit 0 unless --deny warning.
    let warn = [
        "policy",
        "lint",
        &files.path("vendor.json"),
        &files.path("permissions.json"),
        "--own-account",
        "222222222222",
    ];
    let out = xrole(&warn);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("warning[XR004]") && text.contains("warning[XR008]"),
        "{text}"
    );
    let out = xrole(&[&warn[..], &["--deny", "warning", "--format", "json"]].concat());
    assert_eq!(out.status.code(), Some(1));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let codes: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["XR004", "XR008"]);
    assert_eq!(json[0]["severity"], "warning");
    assert_eq!(
        (&json[1]["line"], &json[1]["column"]),
        (&json!(1), &json!(91))
    );

    let out = xrole(&["policy", "lint", &files.path("broken.json")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("broken.json")
    );
}

#[test]
fn generate_prints_the_three_documents() {
    let out = xrole(&[
        "policy",
        "generate",
        "--role-arn",
        "arn:aws:iam::222222222222:role/CrossAccountS3ReadOnly",
        "--external-id",
        "vendor-id-1234",
        "--trust",
        "arn:aws:iam::111111111111:root",
        "--allow",
        "s3:GetObject=arn:aws:s3:::my-shared-bucket/*",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("sts:ExternalId"), "{text}");
    assert!(text.contains("arn:aws:s3:::my-shared-bucket/*"), "{text}");
    assert!(text.contains("CrossAccountS3ReadOnly"), "{text}");
    let missing = xrole(&[
        "policy",
        "generate",
        "--role-arn",
        "arn:aws:iam::222222222222:role/R",
    ]);
    assert_eq!(missing.status.code(), Some(2), "--trust is required");
}

#[test]
fn lint_writes_sarif_for_code_scanning() {
    let files = Files::new(
        "sarif",
        &[
            (
                "trust.json",
                "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\n    \"Effect\": \"Allow\",\n    \"Principal\": {\"AWS\": \"arn:aws:iam::999999999999:root\"},\n    \"Action\": \"sts:AssumeRole\"\n  }]\n}\n",
            ),
            (
                "permissions.json",
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
            ),
        ],
    );
    let out = xrole(&[
        "policy",
        "lint",
        "--format",
        "sarif",
        "--own-account",
        "222222222222",
        &files.path("trust.json"),
        &files.path("permissions.json"),
    ]);
    assert_eq!(out.status.code(), Some(0), "warnings only");
    // The log reads back as SARIF 2.1.0.
    let log: serde_sarif::sarif::Sarif = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(log.version, json!("2.1.0"));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(json["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let run = &json["runs"][0];
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let all: Vec<&str> = xrole_test::lint::ALL.iter().map(|l| l.code).collect();
    assert_eq!(rules, all);
    let results = run["results"].as_array().unwrap();
    let found: Vec<(&str, &str, &str, i64, i64)> = results
        .iter()
        .map(|r| {
            let physical = &r["locations"][0]["physicalLocation"];
            let rule = &run["tool"]["driver"]["rules"][r["ruleIndex"].as_u64().unwrap() as usize];
            assert_eq!(rule["id"], r["ruleId"]);
            (
                r["ruleId"].as_str().unwrap(),
                r["level"].as_str().unwrap(),
                physical["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap(),
                physical["region"]["startLine"].as_i64().unwrap(),
                physical["region"]["startColumn"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("XR004", "warning", "trust.json", 5, 26),
            ("XR007", "warning", "permissions.json", 1, 65),
            ("XR008", "warning", "permissions.json", 1, 80),
        ]
    );
    assert_eq!(
        results[0]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        "Statement[0].Principal.AWS"
    );
    assert!(
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .starts_with("file:///")
    );
}

#[test]
fn lint_reads_service_and_resource_control_policies() {
    let files = Files::new(
        "lint-org",
        &[
            (
                "scp.json",
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}]}"#,
            ),
            (
                "rcp.json",
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"ec2:*","Resource":"*"}]}"#,
            ),
        ],
    );
    let out = xrole(&["policy", "lint", "--kind", "scp", &files.path("scp.json")]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with(&format!(
            "{}:1:67: error[XR011] service control policy Statement[0].Principal:",
            files.path("scp.json")
        )),
        "{text}"
    );
    let out = xrole(&["policy", "lint", "--kind", "rcp", &files.path("rcp.json")]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("error[XR013] resource control policy Statement[0].Action: RCPs govern only"),
        "{text}"
    );
}

/// `policy from-recording`: the minimal policy of a role from a recording's
/// JSON lines, proved by replay; with --declared, what it allows that no call
/// used and the calls it refuses (exit 1 with --fail-on-drift); a bad line
/// named by its number.
#[test]
fn from_recording_gives_the_minimal_policy_and_the_drift() {
    let exe = env!("CARGO_BIN_EXE_xrole");
    let dir = std::env::temp_dir().join(format!("xrole-recording-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let check = |action: &str, resource: &str| {
        json!({"principal": "arn:aws:sts::222222222222:assumed-role/Worker/w1",
               "role": "arn:aws:iam::222222222222:role/Worker",
               "action": action, "resource": resource, "decision": "Allowed", "count": 3})
        .to_string()
    };
    let recording = dir.join("calls.jsonl");
    std::fs::write(
        &recording,
        format!(
            "{}\n{}\n",
            check("s3:GetObject", "arn:aws:s3:::work/a.csv"),
            check("s3:ListBucket", "arn:aws:s3:::work")
        ),
    )
    .unwrap();
    let declared = dir.join("declared.json");
    std::fs::write(
        &declared,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::work/*"}]}"#,
    )
    .unwrap();
    let run = |extra: &[&str]| {
        Command::new(exe)
            .args(["policy", "from-recording"])
            .arg(&recording)
            .args(["--role", "arn:aws:iam::222222222222:role/Worker"])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = run(&[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("# least privilege of arn:aws:iam::222222222222:role/Worker for 6 calls (2 distinct checks)\n"),
        "{text}"
    );
    assert!(
        text.contains("# replayed: 2 of 2 checks allowed, 0 statements removable"),
        "{text}"
    );

    let declared_flag = declared.to_str().unwrap();
    let out = run(&[
        "--declared",
        declared_flag,
        "--fail-on-drift",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1), "the declared policy drifts");
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["replay"]["allowed"], 2);
    assert_eq!(
        answer["declared"]["unused"],
        json!(["Statement[0]: actions s3:PutObject never used"])
    );
    assert_eq!(
        answer["declared"]["refused"],
        json!([{"action": "s3:ListBucket", "resource": "arn:aws:s3:::work"}])
    );

    // A line that is not a check: named with its number, nothing printed.
    std::fs::write(
        &recording,
        format!(
            "{}\nnot json\n",
            check("s3:GetObject", "arn:aws:s3:::work/a.csv")
        ),
    )
    .unwrap();
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("calls.jsonl: 1 lines are not checks"),
        "{stderr}"
    );
    assert!(stderr.contains("line 2: "), "{stderr}");
    // A role without calls.
    std::fs::write(
        &recording,
        format!("{}\n", check("s3:GetObject", "arn:aws:s3:::work/a.csv")),
    )
    .unwrap();
    let out = Command::new(exe)
        .args(["policy", "from-recording"])
        .arg(&recording)
        .args(["--role", "arn:aws:iam::222222222222:role/Idle"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(
            "the recording holds no call of arn:aws:iam::222222222222:role/Idle's sessions"
        )
    );
}
