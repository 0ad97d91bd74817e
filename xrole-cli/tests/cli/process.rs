//! `xrole credential-process`: the shared cache, its lock, and MFA sessions.

use super::*;

/// A fresh cache directory, removed when dropped.
struct CacheDir(std::path::PathBuf);

impl CacheDir {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("xrole-cli-test-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        Self(dir.join("cache"))
    }
}

impl Drop for CacheDir {
    fn drop(&mut self) {
        if let Some(parent) = self.0.parent() {
            let _ = std::fs::remove_dir_all(parent);
        }
    }
}

fn process_command(sts: &EmbeddedSts, cache: &CacheDir) -> tokio::process::Command {
    let mut c = command(
        sts,
        &[
            "credential-process",
            "--role-arn",
            ROLE,
            "--role-session-name",
            "proc",
        ],
    );
    c.env("XROLE_CACHE_DIR", &cache.0);
    c
}

#[tokio::test]
async fn credential_process_calls_sts_once_for_50_invocations_started_together() {
    use std::os::unix::fs::PermissionsExt;
    let sts = sts().await;
    let cache = CacheDir::new("fifty");
    let runs: Vec<_> = (0..50)
        .map(|_| process_command(&sts, &cache).output())
        .collect();
    let outs = futures_join_all(runs).await;
    let mut keys = std::collections::BTreeSet::new();
    for out in &outs {
        assert!(out.status.success(), "{}", stderr(out));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json["Version"], 1);
        keys.insert(json["AccessKeyId"].as_str().unwrap().to_owned());
    }
    println!("process_sts_calls: {}", sts.count("AssumeRole"));
    assert_eq!(sts.count("AssumeRole"), 1);
    assert_eq!(keys.len(), 1);

    // Warm: no STS call.
    let started = std::time::Instant::now();
    let out = process_command(&sts, &cache).output().await.unwrap();
    println!("process_warm_ms: {}", started.elapsed().as_millis());
    assert!(out.status.success());
    assert_eq!(sts.count("AssumeRole"), 1);

    // The directory is the user's alone, each file too, and no name holds a secret.
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&cache.0), 0o700);
    let files: Vec<_> = std::fs::read_dir(&cache.0)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 2, "{files:?}"); // the entry and its lock
    for f in &files {
        assert_eq!(mode(f), 0o600, "{}", f.display());
        let stem = f.file_stem().unwrap().to_str().unwrap();
        assert!(
            stem.len() == 64 && stem.chars().all(|c| c.is_ascii_hexdigit()),
            "{stem}"
        );
    }
}

#[tokio::test]
async fn credential_process_never_trusts_a_corrupted_or_foreign_cache_file() {
    let sts = sts().await;
    let cache = CacheDir::new("corrupt");
    let out = process_command(&sts, &cache).output().await.unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let entry = std::fs::read_dir(&cache.0)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .unwrap();
    let valid = std::fs::read_to_string(&entry).unwrap();
    for (what, text) in [
        ("garbage", "{not json".to_owned()),
        (
            "another key",
            valid.replace(r#""Key":"{"#, r#""Key":"{\"other\":1,"#),
        ),
        (
            "forged keys",
            valid.replace(r#""AccessKeyId":""#, r#""AccessKeyId":"AKIAFORGED"#) + " trailing",
        ),
    ] {
        let before = sts.count("AssumeRole");
        std::fs::write(&entry, text).unwrap();
        let out = process_command(&sts, &cache).output().await.unwrap();
        assert!(out.status.success(), "{what}: {}", stderr(&out));
        assert_eq!(sts.count("AssumeRole"), before + 1, "{what}: not trusted");
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(!json["AccessKeyId"].as_str().unwrap().contains("FORGED"));
        // Replaced: the next invocation is served from the cache.
        let out = process_command(&sts, &cache).output().await.unwrap();
        assert!(out.status.success());
        assert_eq!(sts.count("AssumeRole"), before + 1, "{what}: replaced");
    }
}

/// Runs the futures at once and returns their outputs in order.
async fn futures_join_all<
    F: std::future::Future<Output = std::io::Result<Output>> + Send + 'static,
>(
    futures: Vec<F>,
) -> Vec<Output> {
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut outs = Vec::new();
    for h in handles {
        outs.push(h.await.unwrap().unwrap());
    }
    outs
}

/// alice's MFA device, whose code is 123456.
const SERIAL: &str = "arn:aws:iam::111111111111:mfa/alice";

/// alice with her MFA device, and roles in 222222222222 that demand MFA.
fn mfa_world(roles: &[String]) -> World {
    let mut w = World::new();
    w.add_user(
        User::new(ALICE.parse().unwrap())
            .unwrap()
            .policy(
                "assume",
                doc(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"#),
            )
            .mfa_device(xrole_test::sts::MfaDevice::new(SERIAL, "123456")),
    )
    .unwrap();
    for role in roles {
        w.add_role(Role::new(
            role.parse().unwrap(),
            trust(
                "111111111111",
                r#","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}"#,
            ),
        ))
        .unwrap();
    }
    w
}

#[tokio::test]
async fn credential_process_serves_20_roles_with_one_mfa_code() {
    let roles: Vec<String> = (0..20)
        .map(|i| format!("arn:aws:iam::222222222222:role/Admin{i}"))
        .collect();
    let sts = EmbeddedSts::start(mfa_world(&roles)).await.unwrap();
    let cache = CacheDir::new("mfa");
    for role in &roles {
        let mut c = command(
            &sts,
            &[
                "credential-process",
                "--role-arn",
                role,
                "--serial-number",
                SERIAL,
                "--token-code",
                "123456",
            ],
        );
        c.env("XROLE_CACHE_DIR", &cache.0);
        let out = c.output().await.unwrap();
        assert!(out.status.success(), "{role}: {}", stderr(&out));
    }
    println!("mfa_prompts: {}", sts.count("GetSessionToken"));
    assert_eq!(sts.count("GetSessionToken"), 1, "one code for every role");
    assert_eq!(sts.count("AssumeRole"), 20);
    // Under exec, one code opens an MFA session that assumes the role at each
    // refresh: no code is sent with AssumeRole.
    let out = command(
        &sts,
        &[
            "exec",
            "--role-arn",
            &roles[0],
            "--serial-number",
            SERIAL,
            "--token-code",
            "123456",
            "--",
            "true",
        ],
    )
    .output()
    .await
    .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(sts.count("GetSessionToken"), 2);
    let last = sts.last_audit("AssumeRole").unwrap();
    assert!(last.succeeded());
    assert_eq!(last.parameter("SerialNumber"), None);
    // Without the MFA session, the roles refuse.
    let out = command(&sts, &["assume", "--role-arn", &roles[0]])
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

#[tokio::test]
async fn role_profiles_with_mfa_serial_share_one_mfa_session() {
    let mut config = String::from("[profile base]\nregion = us-east-1\n");
    let roles: Vec<String> = (0..5)
        .map(|i| format!("arn:aws:iam::222222222222:role/Admin{i}"))
        .collect();
    for (i, role) in roles.iter().enumerate() {
        config.push_str(&format!(
            "[profile admin{i}]\nrole_arn = {role}\nsource_profile = base\nmfa_serial = {SERIAL}\n"
        ));
    }
    let sts = EmbeddedSts::start(mfa_world(&roles)).await.unwrap();
    let cache = CacheDir::new("profile-mfa");
    std::fs::create_dir_all(&cache.0).unwrap();
    let config_file = cache.0.parent().unwrap().join("config");
    std::fs::write(&config_file, config).unwrap();
    let run = |args: Vec<String>| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut c = command(&sts, &args);
        c.env("XROLE_CACHE_DIR", &cache.0)
            .env("AWS_CONFIG_FILE", &config_file);
        c
    };
    for i in 0..5 {
        let out = run(vec![
            "credential-process".into(),
            "--profile".into(),
            format!("admin{i}"),
            "--token-code".into(),
            "123456".into(),
            "--mfa-session-duration".into(),
            "2h".into(),
        ])
        .output()
        .await
        .unwrap();
        assert!(out.status.success(), "admin{i}: {}", stderr(&out));
    }
    assert_eq!(
        sts.count("GetSessionToken"),
        1,
        "one code for every profile"
    );
    assert_eq!(sts.count("AssumeRole"), 5);
    let opened = sts.last_audit("GetSessionToken").unwrap();
    assert_eq!(opened.parameter("DurationSeconds"), Some("7200"));
    assert_eq!(opened.parameter("SerialNumber"), Some(SERIAL));
    assert!(
        sts.audit_of("AssumeRole")
            .iter()
            .all(|e| e.succeeded() && e.parameter("SerialNumber").is_none())
    );

    // Under exec, the profile's first hop is assumed in an MFA session of its own.
    let out = run([
        "exec",
        "--profile",
        "admin0",
        "--token-code",
        "123456",
        "--",
        "true",
    ]
    .map(String::from)
    .to_vec())
    .output()
    .await
    .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(sts.count("GetSessionToken"), 2);
    let last = sts.last_audit("AssumeRole").unwrap();
    assert!(last.succeeded() && last.parameter("SerialNumber").is_none());

    // An MFA session lasts 15 minutes to 36 hours.
    let out = run([
        "credential-process",
        "--profile",
        "admin0",
        "--mfa-session-duration",
        "37h",
    ]
    .map(String::from)
    .to_vec())
    .output()
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("must be 900 to 129600 seconds"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test]
async fn a_web_identity_profile_is_cached_by_its_token_file() {
    use xrole_core::STS_AUDIENCE;
    let github = xrole_test::web_identity::TestIssuer::github_actions().unwrap();
    let world = github_world(&github);
    let sts = EmbeddedSts::start(world).await.unwrap();
    let cache = CacheDir::new("web-identity");
    std::fs::create_dir_all(&cache.0).unwrap();
    let dir = cache.0.parent().unwrap();
    let token_file = dir.join("token.jwt");
    let config_file = dir.join("config");
    std::fs::write(
        &config_file,
        format!(
            "[profile ci]\nrole_arn = {ROLE}\nweb_identity_token_file = {}\nrole_session_name = ci\n",
            token_file.display()
        ),
    )
    .unwrap();
    let invoke = || {
        let mut c = without_keys(&sts, &["credential-process", "--profile", "ci"]);
        c.env("XROLE_CACHE_DIR", &cache.0)
            .env("AWS_CONFIG_FILE", &config_file);
        c.output()
    };
    let write_token = |repository: &str| {
        std::fs::write(
            &token_file,
            github
                .github_job(sts.clock().now(), repository, "main", STS_AUDIENCE)
                .sign()
                .unwrap(),
        )
        .unwrap();
    };
    write_token("acme/api");
    for _ in 0..2 {
        let out = invoke().await.unwrap();
        let json = json_of(&out);
        assert!(json["AccessKeyId"].as_str().unwrap().starts_with("ASIA"));
    }
    assert_eq!(
        sts.count("AssumeRoleWithWebIdentity"),
        1,
        "the second invocation is served from the cache"
    );
    let last = sts.last_audit("AssumeRoleWithWebIdentity").unwrap();
    assert_eq!(last.parameter("RoleSessionName"), Some("ci"));
    // Another token in the same file, one the trust refuses: never served the
    // session the first token was given.
    write_token("acme/other");
    let out = invoke().await.unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(out.stdout.is_empty());
    assert!(stderr(&out).contains("AccessDenied"), "{}", stderr(&out));
    assert_eq!(sts.count("AssumeRoleWithWebIdentity"), 2);
}

/// The cache trusts nothing it did not create: a directory of another user's,
/// a link, one others may write, a relative path; entries of another user's,
/// readable by others, FIFOs, links, times out of range; a planted lock link.
#[tokio::test]
async fn the_cache_refuses_what_another_user_could_have_planted() {
    use std::os::unix::fs::{PermissionsExt, symlink};
    let sts = sts().await;
    let run = |dir: &std::path::Path| {
        let mut c = command(
            &sts,
            &[
                "credential-process",
                "--role-arn",
                ROLE,
                "--role-session-name",
                "proc",
            ],
        );
        c.env("XROLE_CACHE_DIR", dir);
        c.output()
    };
    let refused = |out: &Output, why: &str| {
        assert_eq!(out.status.code(), Some(1), "{}", stdout(out));
        assert!(out.stdout.is_empty(), "{}", stdout(out));
        assert!(stderr(out).contains(why), "{why}: {}", stderr(out));
    };

    // The directory.
    let base = CacheDir::new("attacks");
    let root = base.0.parent().unwrap().to_path_buf();
    std::fs::create_dir_all(&root).unwrap();
    let elsewhere = root.join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    let link = root.join("link");
    symlink(&elsewhere, &link).unwrap();
    refused(
        &run(&link).await.unwrap(),
        "a symbolic link is never followed",
    );
    let open = root.join("open");
    std::fs::create_dir(&open).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
    refused(&run(&open).await.unwrap(), "others may write to it");
    refused(
        &run(std::path::Path::new("relative/cache")).await.unwrap(),
        "XROLE_CACHE_DIR must be an absolute path",
    );
    let foreign = root.join("foreign");
    std::fs::create_dir(&foreign).unwrap();
    if std::os::unix::fs::chown(&foreign, Some(65534), Some(65534)).is_ok() {
        refused(&run(&foreign).await.unwrap(), "owned by user 65534");
        assert_eq!(std::fs::read_dir(&foreign).unwrap().count(), 0);
    }
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);

    // The entries of a directory that is ours.
    let dir = root.join("cache");
    let out = run(&dir).await.unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let first: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let entry = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .unwrap();
    let valid = std::fs::read(&entry).unwrap();
    let forged = String::from_utf8(valid.clone()).unwrap().replace(
        first["AccessKeyId"].as_str().unwrap(),
        "ASIAPLANTEDBYANOTHER",
    );
    let out_of_range = String::from_utf8(valid.clone()).unwrap().replace(
        r#""Expiration":"#,
        r#""Expiration":18446744073709551615,"Unused":"#,
    );
    type Plant = Box<dyn Fn(&std::path::Path)>;
    let plant_with_mode = |mode: u32, text: String| -> Plant {
        Box::new(move |p: &std::path::Path| {
            let _ = std::fs::remove_file(p);
            std::fs::write(p, &text).unwrap();
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
        })
    };
    let elsewhere_file = elsewhere.join("planted.json");
    std::fs::write(&elsewhere_file, &forged).unwrap();
    let cases: Vec<(&str, Plant)> = vec![
        ("readable by others", plant_with_mode(0o644, forged.clone())),
        ("writable by others", plant_with_mode(0o666, forged.clone())),
        (
            "a link to a file",
            Box::new(move |p: &std::path::Path| {
                let _ = std::fs::remove_file(p);
                symlink(&elsewhere_file, p).unwrap();
            }),
        ),
        (
            "a FIFO",
            Box::new(|p: &std::path::Path| {
                let _ = std::fs::remove_file(p);
                rustix::fs::mknodat(
                    rustix::fs::CWD,
                    p,
                    rustix::fs::FileType::Fifo,
                    rustix::fs::Mode::RUSR | rustix::fs::Mode::WUSR,
                    0,
                )
                .unwrap();
            }),
        ),
        (
            "another user's",
            Box::new({
                let forged = forged.clone();
                move |p: &std::path::Path| {
                    let _ = std::fs::remove_file(p);
                    std::fs::write(p, &forged).unwrap();
                    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o600)).unwrap();
                    // Only root can give a file away; as another user the file is
                    // another user's already.
                    let _ = std::os::unix::fs::chown(p, Some(65534), Some(65534));
                }
            }),
        ),
    ];
    for (what, plant) in cases {
        plant(&entry);
        let before = sts.count("AssumeRole");
        let out = tokio::time::timeout(std::time::Duration::from_secs(30), run(&dir))
            .await
            .unwrap_or_else(|_| panic!("{what}: the invocation blocked"))
            .unwrap();
        assert!(out.status.success(), "{what}: {}", stderr(&out));
        assert!(!stdout(&out).contains("PLANTED"), "{what}: served");
        assert_eq!(sts.count("AssumeRole"), before + 1, "{what}: not trusted");
        // Replaced by the user's own entry, served from then on.
        let mode = std::fs::symlink_metadata(&entry)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{what}");
        let out = run(&dir).await.unwrap();
        assert!(out.status.success());
        assert_eq!(sts.count("AssumeRole"), before + 1, "{what}: replaced");
    }
    // Times no clock holds: corrupt, replaced, no panic.
    std::fs::write(&entry, &out_of_range).unwrap();
    let before = sts.count("AssumeRole");
    let out = run(&dir).await.unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(sts.count("AssumeRole"), before + 1);
    // A lock planted as a link is not followed: its target is never created.
    let lock = entry.with_extension("lock");
    std::fs::remove_file(&lock).unwrap();
    std::fs::remove_file(&entry).unwrap();
    let target = elsewhere.join("lock-target");
    symlink(&target, &lock).unwrap();
    refused(
        &run(&dir).await.unwrap(),
        "not a regular file of the running user's alone",
    );
    assert!(!target.exists());
}
