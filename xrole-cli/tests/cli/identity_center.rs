//! IAM Identity Center end to end on the embedded STS's own portal and SSO
//! OIDC: `xrole login` (the authorization-code flow with PKCE, and the device
//! flow) writes the token, a profile chain goes SSO -> role -> chained role
//! with it, and `exec` keeps its child's credentials fresh past the token's
//! and the roles' lifetimes, the token renewed with its refresh token.

use std::path::PathBuf;
use std::time::Duration;

use tokio::io::AsyncBufReadExt;
use xrole_core::AccountId;
use xrole_test::sts::{IdentityCenter, PermissionSet};

use super::profiles::CORP_TOKEN_FILE;
use super::*;

/// The command's world with an IAM Identity Center instance: alice may use
/// Developer (which may assume any role) in 111111111111.
async fn sso_sts() -> EmbeddedSts {
    let mut w = world();
    let developer = PermissionSet::new("Developer").unwrap().inline_policy(doc(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"#,
    ));
    w.set_identity_center(
        IdentityCenter::new("https://corp.awsapps.com/start", "us-east-1")
            .unwrap()
            .user("alice")
            .permission_set(developer)
            .assign(
                "alice",
                AccountId::parse("111111111111").unwrap(),
                "Developer",
            ),
    )
    .unwrap();
    EmbeddedSts::start(w).await.unwrap()
}

/// An AWS config: `next` (Audit) stands on `target` (Deploy), which stands on
/// the `developer` permission set of the `corp` session.
fn config(dir: &Scratch) -> PathBuf {
    let config = dir.0.join("config");
    std::fs::write(
        &config,
        format!(
            "[profile next]\nrole_arn = {NEXT}\nsource_profile = target\nrole_session_name = audit\n\
             [profile target]\nrole_arn = {ROLE}\nsource_profile = developer\nrole_session_name = sso\n\
             [profile developer]\nsso_session = corp\nsso_account_id = 111111111111\n\
             sso_role_name = Developer\nregion = us-east-1\n\
             [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n"
        ),
    )
    .unwrap();
    config
}

/// `xrole ARGS` with no keys of its own: Identity Center is its only source.
fn sso_command(sts: &EmbeddedSts, dir: &Scratch, args: &[&str]) -> tokio::process::Command {
    let mut c = command(sts, args);
    c.env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env("HOME", &dir.0)
        .env("AWS_CONFIG_FILE", config(dir))
        .env("AWS_ENDPOINT_URL_SSO", sts.url())
        .env("AWS_ENDPOINT_URL_SSO_OIDC", sts.url());
    c
}

/// Runs `xrole login ARGS`, hands each stderr line to `on_line` until it
/// returns true, then waits for the command's end.
async fn login<F, Fut>(sts: &EmbeddedSts, dir: &Scratch, args: &[&str], mut on_line: F)
where
    F: FnMut(String) -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let mut all = vec!["login", "--sso-session", "corp", "--no-browser"];
    all.extend_from_slice(args);
    let mut child = sso_command(sts, dir, &all)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let mut seen = Vec::new();
    loop {
        let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
            .await
            .unwrap()
            .unwrap()
            .unwrap_or_else(|| panic!("login ended early: {seen:?}"));
        seen.push(line.clone());
        if on_line(line).await {
            break;
        }
    }
    while let Ok(Some(line)) = lines.next_line().await {
        seen.push(line);
    }
    let status = tokio::time::timeout(Duration::from_secs(60), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "{seen:?}");
}

/// The chain SSO -> Deploy -> Audit from the token `xrole login` cached.
async fn assume_next(sts: &EmbeddedSts, dir: &Scratch) {
    let out = sso_command(
        sts,
        dir,
        &["assume", "--profile", "next", "--format", "json"],
    )
    .output()
    .await
    .unwrap();
    let json = json_of(&out);
    assert_eq!(
        json["AssumedRoleUser"]["Arn"],
        "arn:aws:sts::333333333333:assumed-role/Audit/audit"
    );
    // Deploy was assumed by alice's permission set session.
    let deploy = sts
        .audit_of("AssumeRole")
        .into_iter()
        .find(|e| e.parameter("RoleSessionName") == Some("sso"))
        .unwrap();
    let caller = deploy.caller.unwrap_or_default();
    assert!(
        caller.starts_with("arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Developer_")
            && caller.ends_with("/alice"),
        "{caller}"
    );
}

#[tokio::test]
async fn login_with_pkce_then_sso_role_and_chained_role() {
    let sts = sso_sts().await;
    let dir = Scratch::new("ic-pkce");
    sts.sign_in_browser(Some("alice"));
    let prefix = format!("{}/authorize?", sts.url());
    login(&sts, &dir, &[], |line| {
        let prefix = prefix.clone();
        async move {
            let Some(_) = line.trim().strip_prefix(&prefix) else {
                return false;
            };
            // The browser: the portal approves and redirects to xrole's listener.
            let client: hyper_util::client::legacy::Client<_, http_body_util::Full<bytes::Bytes>> =
                hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                    .build_http();
            let get = |url: String| {
                client.request(
                    hyper::Request::get(url)
                        .body(http_body_util::Full::new(bytes::Bytes::new()))
                        .unwrap(),
                )
            };
            let approved = get(line.trim().to_owned()).await.unwrap();
            assert_eq!(approved.status(), 302);
            let location = approved.headers()["location"].to_str().unwrap().to_owned();
            assert!(location.starts_with("http://127.0.0.1:"), "{location}");
            assert_eq!(get(location).await.unwrap().status(), 200);
            true
        }
    })
    .await;
    assert!(dir.0.join(".aws/sso/cache").join(CORP_TOKEN_FILE).exists());
    assert_eq!(sts.audit_of("sso-oauth:CreateToken").len(), 1);
    assume_next(&sts, &dir).await;
    assert_eq!(sts.audit_of("sso:GetRoleCredentials").len(), 1);
}

#[tokio::test]
async fn login_with_a_device_code_then_exec_past_every_lifetime() {
    let sts = sso_sts().await;
    let dir = Scratch::new("ic-device");
    // The sign-in lasts a minute: inside the SDK's five-minute refresh window,
    // so it is renewed with its refresh token (at most every 30 seconds, the
    // SDK's own pace) while the roles' sessions come and go.
    sts.set_sso_token_lifetime(Some(Duration::from_secs(60)));
    login(&sts, &dir, &["--use-device-code"], |line| {
        let code = line
            .split("confirm the code ")
            .nth(1)
            .map(|c| c.trim().to_owned());
        let approved = code.map(|code| sts.approve_device(&code, "alice").is_ok());
        async move { approved.unwrap_or(false) }
    })
    .await;
    assume_next(&sts, &dir).await;
    // Every credential lives 2 seconds too: the child's three calls, 3
    // seconds apart, each need fresh credentials from exec's endpoint.
    sts.set_credential_lifetime(Some(Duration::from_secs(2)));
    let count = |action: &str| sts.audit_of(action).len();
    let hops = || {
        sts.audit_of("AssumeRole")
            .iter()
            .filter(|e| e.parameter("RoleSessionName") == Some("sso"))
            .count()
    };
    let (portal_before, hops_before, tokens_before) = (
        count("sso:GetRoleCredentials"),
        hops(),
        count("sso-oauth:CreateToken"),
    );
    let me = env!("CARGO_BIN_EXE_xrole");
    let script = format!(
        "for i in 1 2 3; do if [ $i -gt 1 ]; then sleep 3; fi; {me} assume --role-arn {NEXT} --role-session-name child$i --format json >/dev/null || exit 1; done"
    );
    let out = sso_command(
        &sts,
        &dir,
        &["exec", "--profile", "target", "--", "sh", "-c", &script],
    )
    .output()
    .await
    .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    for i in 1..=3 {
        let call = sts
            .audit_of("AssumeRole")
            .into_iter()
            .find(|e| e.parameter("RoleSessionName") == Some(&format!("child{i}")))
            .unwrap_or_else(|| panic!("child{i}"));
        assert_eq!(call.error, None, "child{i}: {call:?}");
    }
    // Per refresh of the chain's top session (Deploy): one portal call for
    // the permission set's session, one STS call for the hop, as for other
    // chains (issue 29's figure).
    let refreshes = hops() - hops_before;
    let portal = count("sso:GetRoleCredentials") - portal_before;
    let tokens = count("sso-oauth:CreateToken") - tokens_before;
    println!(
        "sso_chain_calls_per_refresh: {:.2} portal, 1.00 sts per hop ({refreshes} refreshes, {portal} portal calls, {tokens} token renewals)",
        portal as f64 / refreshes.max(1) as f64
    );
    assert!(refreshes >= 2, "the chain was refreshed: {refreshes}");
    assert!(
        portal <= refreshes,
        "{portal} portal calls for {refreshes} refreshes"
    );
    assert!(
        tokens >= 1,
        "the SSO token was renewed with its refresh token"
    );
}

/// The failures a user meets, each said: a permission set not assigned to the
/// user (the portal's ForbiddenException), a set whose policies do not allow
/// the next hop (AccessDenied, explained), and no sign-in at all (the command
/// that signs in).
#[tokio::test]
async fn an_unassigned_set_a_set_without_the_action_and_no_sign_in_are_explained() {
    let sts = sso_sts().await;
    let dir = Scratch::new("ic-failures");
    // The base config and more profiles, in a file of their own.
    let more = dir.0.join("more-config");
    let profiles = |extra: &str| {
        let base = std::fs::read_to_string(config(&dir)).unwrap();
        std::fs::write(&more, format!("{base}{extra}")).unwrap();
    };
    // No sign-in yet: the token file is missing.
    let out = sso_command(&sts, &dir, &["assume", "--profile", "target"])
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("run `aws sso login --sso-session corp`"),
        "{}",
        stderr(&out)
    );
    sts.approve_every_sign_in(Some("alice")).unwrap();
    login(&sts, &dir, &["--use-device-code"], |line| async move {
        line.contains("signed in to")
    })
    .await;
    // Admin is no set of alice's in 111111111111.
    profiles(
        "[profile admin]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = Admin\nregion = us-east-1\n\
         [profile over-admin]\nrole_arn = arn:aws:iam::222222222222:role/Deploy\nsource_profile = admin\n",
    );
    let out = sso_command(&sts, &dir, &["assume", "--profile", "over-admin"])
        .env("AWS_CONFIG_FILE", &more)
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("ForbiddenException"),
        "{}",
        stderr(&out)
    );
    // Developer may assume roles, but Vendor's trust wants an external id the
    // profile does not send: refused, and said so.
    profiles(&format!(
        "[profile vendor]\nrole_arn = {VENDOR}\nsource_profile = developer\n"
    ));
    let out = sso_command(&sts, &dir, &["assume", "--profile", "vendor"])
        .env("AWS_CONFIG_FILE", &more)
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("AccessDenied") && err.contains("AWSReservedSSO_Developer_"),
        "{err}"
    );
}
