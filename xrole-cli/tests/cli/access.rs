//! `xrole access` on two accounts' exports (the fixtures of xrole-test).

use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../xrole-test/tests/fixtures/access")
        .join(format!("{name}.json"))
}

async fn access(args: &[&str]) -> std::process::Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_xrole"))
        .arg("access")
        .args(args)
        .env_clear()
        .output()
        .await
        .unwrap()
}

const DEPLOYER: &str = "arn:aws:iam::222222222222:role/deploy/Deployer";

#[tokio::test]
async fn who_can_reach_diff_and_graph_on_account_exports() {
    let tooling = fixture("tooling-111111111111");
    let workload = fixture("workload-222222222222");
    let (tooling, workload) = (tooling.to_str().unwrap(), workload.to_str().unwrap());
    let out = access(&["who-can", DEPLOYER, "--input", tooling, workload]).await;
    assert!(out.status.success(), "{}", super::stderr(&out));
    let text = super::stdout(&out);
    assert!(
        text.starts_with(&format!("# Who can assume {DEPLOYER}\narn:aws:iam::111111111111:user/alice\n  -> arn:aws:iam::222222222222:role/WorkloadAdmin (requires Bool aws:MultiFactorAuthPresent \"true\")")),
        "{text}"
    );
    let out = access(&[
        "who-can", DEPLOYER, "--input", tooling, workload, "--format", "json",
    ])
    .await;
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json[0]["principal"], "arn:aws:iam::111111111111:user/alice");
    assert_eq!(json[0]["path"].as_array().unwrap().len(), 3);
    assert_eq!(
        json[0]["conditions"][0][0],
        "Bool aws:MultiFactorAuthPresent \"true\""
    );
    assert_eq!(json[0]["chained"], serde_json::json!([false, true]));
    assert!(
        json[0]["explanation"][0][0]
            .as_str()
            .unwrap()
            .contains("allows")
    );

    let out = access(&[
        "reach",
        "arn:aws:iam::111111111111:user/alice",
        "--input",
        tooling,
        workload,
    ])
    .await;
    assert!(out.status.success());
    assert_eq!(
        super::stdout(&out).matches("\n  -> ").count(),
        3,
        "{}",
        super::stdout(&out)
    );

    // The gate: the same accounts, nothing new; a root trust added, exit code 1.
    let out = access(&[
        "diff", "--before", tooling, workload, "--after", tooling, workload,
    ])
    .await;
    assert!(out.status.success(), "{}", super::stdout(&out));
    let dir = std::env::temp_dir().join(format!("xrole-access-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let after = dir.join("workload.json");
    let widened = std::fs::read_to_string(workload).unwrap().replace(
        "\"AWS\": \"arn:aws:iam::222222222222:role/WorkloadAdmin\"",
        "\"AWS\": \"arn:aws:iam::111111111111:root\"",
    );
    std::fs::write(&after, widened).unwrap();
    let out = access(&[
        "diff",
        "--before",
        tooling,
        workload,
        "--after",
        tooling,
        after.to_str().unwrap(),
    ])
    .await;
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(1), "{}", super::stdout(&out));
    let text = super::stdout(&out);
    assert!(
        text.starts_with("1 new access path(s):\narn:aws:iam::111111111111:user/alice\n  -> arn:aws:iam::222222222222:role/deploy/Deployer"),
        "{text}"
    );

    let out = access(&["graph", "--input", tooling, workload]).await;
    assert!(super::stdout(&out).starts_with("digraph access {"));
    let out = access(&["graph", "--input", tooling, workload, "--format", "json"]).await;
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["edges"].as_array().unwrap().len(), 2, "{json}");

    // Bad inputs: every problem with its file and path, exit code 1.
    let out = access(&["who-can", DEPLOYER, "--input", "/nonexistent/x.json"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(super::stderr(&out).contains("cannot read /nonexistent/x.json"));
}

#[tokio::test]
async fn a_terraform_plan_is_an_input_for_its_account() {
    let tooling = fixture("tooling-111111111111");
    let tooling = tooling.to_str().unwrap();
    let plan = fixture("plan-222222222222");
    let plan = plan.to_str().unwrap();
    // Without its account, a plan that names none cannot name its roles.
    let out = access(&[
        "who-can",
        "arn:aws:iam::222222222222:role/ci/Deploy",
        "--input",
        tooling,
        plan,
    ])
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        super::stderr(&out).contains("the plan names no account"),
        "{}",
        super::stderr(&out)
    );
    // A value known only after apply is named by address, never guessed, and
    // the rest is answered.
    let out = access(&[
        "who-can",
        "arn:aws:iam::222222222222:role/ci/Deploy",
        "--input",
        tooling,
        plan,
        "--account-id",
        "222222222222",
    ])
    .await;
    assert!(out.status.success(), "{}", super::stderr(&out));
    let text = super::stdout(&out);
    assert!(
        text.contains("arn:aws:iam::111111111111:user/alice"),
        "{text}"
    );
    assert!(
        text.contains("not judged (1), the answer covers the rest:\n  ")
            && text.contains(
                "module.ci.aws_iam_role.runner: assume_role_policy known only after apply"
            ),
        "{text}"
    );
    // The plan without that module: the gate sees the new role's access.
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(plan).unwrap()).unwrap();
    json["planned_values"]["root_module"]["child_modules"] = serde_json::json!([]);
    let dir = std::env::temp_dir().join(format!("xrole-access-plan-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let known = dir.join("plan.json");
    std::fs::write(&known, json.to_string()).unwrap();
    let out = access(&[
        "diff",
        "--before",
        tooling,
        "--after",
        tooling,
        known.to_str().unwrap(),
        "--account-id",
        "222222222222",
    ])
    .await;
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(1), "{}", super::stderr(&out));
    let text = super::stdout(&out);
    assert!(
        text.contains("arn:aws:iam::111111111111:user/alice\n  -> arn:aws:iam::222222222222:role/ci/Deploy (requires StringEquals sts:ExternalId \"tf-ext-1\")"),
        "{text}"
    );
}

#[tokio::test]
async fn a_cloudformation_template_is_an_input_with_its_parameters() {
    let tooling = fixture("tooling-111111111111");
    let stack = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../xrole-test/tests/fixtures/access/stack-222222222222.yaml");
    // Keep the resources that resolve: the fixture's traps are the library's tests.
    let text = std::fs::read_to_string(&stack).unwrap();
    let kept = &text[..text.find("  Unnamed:").unwrap()];
    let dir = std::env::temp_dir().join(format!("xrole-access-cfn-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let template = dir.join("stack.yaml");
    std::fs::write(&template, kept).unwrap();
    let args = [
        "who-can",
        "arn:aws:iam::222222222222:role/release",
        "--input",
        tooling.to_str().unwrap(),
        template.to_str().unwrap(),
        "--account-id",
        "222222222222",
        "--parameter",
        "ToolingAccount=111111111111",
    ];
    let out = access(&args).await;
    assert!(out.status.success(), "{}", super::stderr(&out));
    assert!(
        super::stdout(&out).contains("arn:aws:iam::111111111111:user/alice\n  -> arn:aws:iam::222222222222:role/ci/deploy-prod (requires Bool aws:MultiFactorAuthPresent \"true\")"),
        "{}",
        super::stdout(&out)
    );
    // Without the parameter, the problem names the path.
    let out = access(&args[..7]).await;
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        super::stderr(&out)
            .contains("Resources.DeployRole.Properties: parameter ToolingAccount has no value"),
        "{}",
        super::stderr(&out)
    );
}

#[tokio::test]
async fn a_world_file_brings_the_organization() {
    // An SCP on the identity account denies assuming Deployer: the chain is cut.
    let tooling = fixture("tooling-111111111111");
    let workload = fixture("workload-222222222222");
    let dir = std::env::temp_dir().join(format!("xrole-access-world-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let world = dir.join("world.json");
    std::fs::write(
        &world,
            r#"{"organization": {"id": "o-a1b2c3d4e5", "managementAccount": "999999999999",
                "roots": [{"id": "r-ab12"}],
                "accounts": [{"id": "111111111111", "parent": "r-ab12", "scps": ["FullAWSAccess",
                  {"Version": "2012-10-17", "Id": "NoWorkloadAdmin", "Statement": [{"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::222222222222:role/WorkloadAdmin"}]}]}]}}"#,
    )
    .unwrap();
    let args = |with_world: bool| {
        let mut a = vec![
            "who-can".to_owned(),
            DEPLOYER.to_owned(),
            "--input".to_owned(),
            tooling.to_str().unwrap().to_owned(),
            workload.to_str().unwrap().to_owned(),
        ];
        if with_world {
            a.extend(["--world".to_owned(), world.to_str().unwrap().to_owned()]);
        }
        a
    };
    let plain = access(&args(false).iter().map(String::as_str).collect::<Vec<_>>()).await;
    assert!(super::stdout(&plain).contains("user/alice"));
    let governed = access(&args(true).iter().map(String::as_str).collect::<Vec<_>>()).await;
    let _ = std::fs::remove_dir_all(&dir);
    assert!(governed.status.success(), "{}", super::stderr(&governed));
    assert!(
        !super::stdout(&governed).contains("user/alice"),
        "{}",
        super::stdout(&governed)
    );
}

/// The gate on a plan that changes roles the export holds: `diff --before
/// EXPORTS --after EXPORTS PLAN` with the account read from the plan; the new
/// trust is new access, and what the plan leaves unknown keeps the gate shut.
#[tokio::test]
async fn diff_applies_a_plan_to_the_exports_it_changes() {
    let tooling = fixture("tooling-111111111111");
    let workload = fixture("workload-222222222222");
    let plan = fixture("plan-changes-222222222222");
    let [tooling, workload, plan] = [&tooling, &workload, &plan].map(|p| p.to_str().unwrap());
    let out = access(&[
        "diff", "--before", tooling, workload, "--after", tooling, workload, plan,
    ])
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", super::stderr(&out));
    let text = super::stdout(&out);
    assert!(
        text.contains("arn:aws:iam::111111111111:user/alice\n  -> arn:aws:iam::222222222222:role/deploy/Deployer"),
        "{text}"
    );
    assert!(
        text.contains("aws_iam_role.etl_worker: assume_role_policy known only after apply"),
        "{text}"
    );
    assert!(!text.contains("already in the world"), "{text}");
}

/// An answer lists at most `--limit` accesses and counts the rest.
#[tokio::test]
async fn answers_are_bounded_with_a_count_of_the_rest() {
    let tooling = fixture("tooling-111111111111");
    let workload = fixture("workload-222222222222");
    let (tooling, workload) = (tooling.to_str().unwrap(), workload.to_str().unwrap());
    let out = access(&[
        "who-can", DEPLOYER, "--input", tooling, workload, "--limit", "1",
    ])
    .await;
    assert!(out.status.success(), "{}", super::stderr(&out));
    let text = super::stdout(&out);
    assert_eq!(
        text.matches("arn:aws:iam::111111111111:user/").count(),
        1,
        "{text}"
    );
    assert!(
        text.ends_with("... and 1 more (--limit 1 listed)\n"),
        "{text}"
    );
    let out = access(&[
        "who-can", DEPLOYER, "--input", tooling, workload, "--limit", "1", "--format", "json",
    ])
    .await;
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 1);
    assert!(
        super::stderr(&out).contains("... and 1 more"),
        "{}",
        super::stderr(&out)
    );
}

/// Inputs are read within bounds whatever they are (`/dev/zero` never ends), and
/// a file of many bad items prints a bounded list with a count of the rest.
#[tokio::test]
async fn inputs_are_read_and_reported_within_bounds() {
    let out = access(&["graph", "--input", "/dev/zero"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        super::stderr(&out).contains("/dev/zero: more than the 536870912 bytes an input may have"),
        "{}",
        super::stderr(&out)
    );
    let items: Vec<String> = (0..5_000)
        .map(|i| format!(r#"{{"Arn": "bad-{i}"}}"#))
        .collect();
    let dir = std::env::temp_dir().join(format!("xrole-access-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.json");
    std::fs::write(
        &bad,
        format!(r#"{{"UserDetailList": [{}]}}"#, items.join(",")),
    )
    .unwrap();
    let out = access(&["graph", "--input", bad.to_str().unwrap()]).await;
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(1));
    let err = super::stderr(&out);
    assert!(err.lines().count() < 110, "{} lines", err.lines().count());
    assert!(err.contains("more problems"), "{err}");
}
