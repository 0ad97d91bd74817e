//! Profile chains that start where people's credentials are: the environment
//! of a CI runner (`credential_source`), an IAM Identity Center sign-in.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may fail loudly

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::Full;

use super::*;

/// The IAM Identity Center portal's GetRoleCredentials, answering with
/// `keys` for the access token `token`, and its Logout; each call's path and
/// query.
async fn portal(
    token: &'static str,
    keys: aws_credential_types::Credentials,
) -> (String, Arc<Mutex<Vec<String>>>, tokio::task::JoinHandle<()>) {
    let asked: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = asked.clone();
    let (url, task) = stand_in(move |req: hyper::Request<hyper::body::Incoming>| {
        let (log, keys) = (log.clone(), keys.clone());
        async move {
            let bearer = req
                .headers()
                .get("x-amz-sso_bearer_token")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            log.lock().unwrap().push(format!(
                "{}?{}",
                req.uri().path(),
                req.uri().query().unwrap_or_default()
            ));
            if bearer != token {
                return hyper::Response::builder()
                    .status(401)
                    .header("x-amzn-errortype", "UnauthorizedException")
                    .body(Full::new(Bytes::from_static(
                        b"{\"message\":\"bad token\"}",
                    )))
                    .unwrap();
            }
            if req.uri().path() == "/logout" {
                return hyper::Response::new(Full::new(Bytes::new()));
            }
            let expiration = (SystemTime::now() + Duration::from_secs(3600))
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_millis();
            let body = serde_json::json!({"roleCredentials": {
                "accessKeyId": keys.access_key_id(),
                "secretAccessKey": keys.secret_access_key(),
                "expiration": expiration,
            }});
            hyper::Response::builder()
                .header("content-type", "application/json")
                .body(Full::new(Bytes::from(body.to_string())))
                .unwrap()
        }
    })
    .await;
    (url, asked, task)
}

/// An AWS config whose `target` role profile stands on an IAM Identity Center
/// profile of the `corp` session, and the AWS CLI's token cache holding
/// `token` until `expires` (RFC 3339).
fn sso_home(dir: &Scratch, token: &str, expires: &str) -> PathBuf {
    let config = sso_config(dir);
    let cache = dir.0.join(".aws/sso/cache");
    std::fs::create_dir_all(&cache).unwrap();
    std::fs::write(
        cache.join(CORP_TOKEN_FILE),
        serde_json::json!({"accessToken": token, "expiresAt": expires, "region": "us-east-1",
            "startUrl": "https://corp.awsapps.com/start"})
        .to_string(),
    )
    .unwrap();
    config
}

/// The AWS CLI names a session's token file by the SHA-1 of its name (`corp`).
pub(super) const CORP_TOKEN_FILE: &str = "ee0bfd2552fbd840c02cc48b6e823320543c450f.json";

/// The AWS config of [`sso_home`], without a token.
fn sso_config(dir: &Scratch) -> PathBuf {
    let config = dir.0.join("config");
    std::fs::write(
        &config,
        format!(
            "[profile target]\nrole_arn = {ROLE}\nsource_profile = developer\nrole_session_name = sso\n\
             [profile developer]\nsso_session = corp\nsso_account_id = 111111111111\n\
             sso_role_name = Developer\nregion = us-east-1\n\
             [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n"
        ),
    )
    .unwrap();
    config
}

async fn assume_target(sts: &EmbeddedSts, dir: &Scratch, config: &PathBuf, portal: &str) -> Output {
    command(sts, &["assume", "--profile", "target", "--format", "json"])
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env("HOME", &dir.0)
        .env("AWS_CONFIG_FILE", config)
        .env("AWS_ENDPOINT_URL_SSO", portal)
        .output()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_role_is_assumed_from_an_identity_center_sign_in() {
    let sts = sts().await;
    let (url, asked, _task) = portal("token-1", sts.credentials_for(ALICE).unwrap()).await;
    let dir = Scratch::new("sso");
    let config = sso_home(&dir, "token-1", "2099-01-01T00:00:00Z");
    let out = assume_target(&sts, &dir, &config, &url).await;
    let json = json_of(&out);
    assert_eq!(
        json["AssumedRoleUser"]["Arn"],
        "arn:aws:sts::222222222222:assumed-role/Deploy/sso"
    );
    let asked = asked.lock().unwrap().clone();
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert!(
        asked[0].contains("role_name=Developer") && asked[0].contains("account_id=111111111111"),
        "{asked:?}"
    );
    // The portal's keys (alice's) assumed the role.
    let assumed = sts.last_audit("AssumeRole").unwrap();
    assert_eq!(assumed.caller.as_deref(), Some(ALICE));
}

#[tokio::test]
async fn an_expired_sign_in_is_explained_with_the_command_that_renews_it() {
    let sts = sts().await;
    let (url, asked, _task) = portal("token-1", sts.credentials_for(ALICE).unwrap()).await;
    let dir = Scratch::new("sso-expired");
    let config = sso_home(&dir, "token-1", "2020-01-01T00:00:00Z");
    let out = assume_target(&sts, &dir, &config, &url).await;
    assert_eq!(out.status.code(), Some(1));
    let stderr = stderr(&out);
    assert!(
        stderr.contains("the IAM Identity Center sign-in is missing or expired: run `aws sso login --sso-session corp`"),
        "{stderr}"
    );
    assert!(asked.lock().unwrap().is_empty());
    assert_eq!(sts.count("AssumeRole"), 0);
}

#[tokio::test]
async fn a_profile_chain_starts_from_credential_source_environment() {
    let sts = sts().await;
    let dir = std::env::temp_dir().join(format!("xrole-credential-source-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config");
    // As on a CI runner: the keys in the environment, the roles in profiles.
    std::fs::write(
        &config,
        format!(
            "[profile deploy]\nrole_arn = {ROLE}\ncredential_source = Environment\nregion = us-east-1\n\
             [profile audit]\nrole_arn = {NEXT}\nsource_profile = deploy\nrole_session_name = ci\n"
        ),
    )
    .unwrap();
    let out = command(&sts, &["assume", "--profile", "audit", "--format", "json"])
        .env("AWS_CONFIG_FILE", &config)
        .output()
        .await
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let json = json_of(&out);
    assert_eq!(
        json["AssumedRoleUser"]["Arn"],
        "arn:aws:sts::333333333333:assumed-role/Audit/ci"
    );
    // The first hop was assumed with the environment's keys: alice's.
    let first = sts.audit_of("AssumeRole");
    assert_eq!(first[0].caller.as_deref(), Some(super::ALICE), "{first:?}");
}

#[tokio::test]
async fn a_profile_chain_starts_from_a_credential_process() {
    let sts = sts().await;
    let keys = sts.credentials_for(ALICE).unwrap();
    let dir = Scratch::new("credential-process");
    let config = dir.0.join("config");
    let output = serde_json::json!({"Version": 1, "AccessKeyId": keys.access_key_id(),
        "SecretAccessKey": keys.secret_access_key()});
    std::fs::write(
        &config,
        format!(
            "[profile target]\nrole_arn = {ROLE}\nsource_profile = broker\nrole_session_name = broker\n\
             [profile broker]\ncredential_process = echo '{output}'\nregion = us-east-1\n"
        ),
    )
    .unwrap();
    let out = command(&sts, &["assume", "--profile", "target", "--format", "json"])
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env("AWS_CONFIG_FILE", &config)
        .output()
        .await
        .unwrap();
    let json = json_of(&out);
    assert_eq!(
        json["AssumedRoleUser"]["Arn"],
        "arn:aws:sts::222222222222:assumed-role/Deploy/broker"
    );
    assert_eq!(
        sts.last_audit("AssumeRole").unwrap().caller.as_deref(),
        Some(ALICE)
    );
}

/// `xrole credential-process` on a chain whose source is a credential
/// process: the process's output, when it expires, is kept in xrole's cache,
/// so the process runs once for many invocations (granted#849); long-term
/// keys (no Expiration) are never written and the process runs each time.
#[tokio::test]
async fn a_source_credential_process_runs_once_per_lifetime_of_its_output() {
    let sts = sts().await;
    let keys = sts.credentials_for(ALICE).unwrap();
    let dir = Scratch::new("credential-process-cache");
    let runs = dir.0.join("runs");
    let expiring = dir.0.join("expiring.sh");
    let long_term = dir.0.join("long-term.sh");
    let expiration =
        aws_smithy_types::DateTime::from(SystemTime::now() + Duration::from_secs(3600))
            .fmt(aws_smithy_types::date_time::Format::DateTime)
            .unwrap();
    for (script, expires) in [(&expiring, Some(expiration.as_str())), (&long_term, None)] {
        let mut output = serde_json::json!({"Version": 1, "AccessKeyId": keys.access_key_id(),
            "SecretAccessKey": keys.secret_access_key()});
        if let Some(at) = expires {
            output["Expiration"] = serde_json::Value::from(at);
        }
        std::fs::write(
            script,
            format!(
                "#!/bin/sh
echo run >> '{}'
echo '{output}'
",
                runs.display()
            ),
        )
        .unwrap();
    }
    let config = dir.0.join("config");
    std::fs::write(
        &config,
        format!(
            "[profile target]\nrole_arn = {ROLE}\nsource_profile = broker\nrole_session_name = broker\n\
             [profile broker]\ncredential_process = sh {}\nregion = us-east-1\n\
             [profile static]\nrole_arn = {ROLE}\nsource_profile = keys\nrole_session_name = static\n\
             [profile keys]\ncredential_process = sh {}\nregion = us-east-1\n",
            expiring.display(),
            long_term.display()
        ),
    )
    .unwrap();
    let run = |profile: &'static str| {
        command(&sts, &["credential-process", "--profile", profile])
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env("AWS_CONFIG_FILE", &config)
            .env("XROLE_CACHE_DIR", dir.0.join("cache"))
            .output()
    };
    let count = || {
        std::fs::read_to_string(&runs)
            .map(|t| t.lines().count())
            .unwrap_or(0)
    };
    for _ in 0..3 {
        let out = run("target").await.unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }
    assert_eq!(count(), 1, "the expiring output served three invocations");
    for _ in 0..2 {
        let out = run("static").await.unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }
    assert!(
        count() > 2,
        "long-term keys are asked for at each invocation, never kept: {}",
        count() - 1
    );
    let kept = std::fs::read_dir(dir.0.join("cache"))
        .unwrap()
        .filter_map(Result::ok)
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .filter(|text| text.contains(keys.secret_access_key()))
        .count();
    assert_eq!(kept, 1, "only the expiring output is on disk");
}

/// IAM Identity Center's SSO OIDC for the device flow: a client, a device
/// code, and a token once the user has approved (the first poll is pending).
async fn oidc(
    token: &'static str,
) -> (String, Arc<Mutex<Vec<String>>>, tokio::task::JoinHandle<()>) {
    let calls: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = calls.clone();
    let (url, task) = stand_in(move |req: hyper::Request<hyper::body::Incoming>| {
            let log = log.clone();
            async move {
                let path = req.uri().path().to_owned();
                let polls = {
                    let mut log = log.lock().unwrap();
                    log.push(path.clone());
                    log.iter().filter(|p| *p == "/token").count()
                };
                let json = |status: u16, error: Option<&str>, body: serde_json::Value| {
                    let mut r = hyper::Response::builder()
                        .status(status)
                        .header("content-type", "application/json");
                    if let Some(e) = error {
                        r = r.header("x-amzn-errortype", e);
                    }
                    r.body(Full::new(Bytes::from(body.to_string()))).unwrap()
                };
                let later = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap()
                    .as_secs()
                    + 90 * 86400;
                match path.as_str() {
                    "/client/register" => json(
                        200,
                        None,
                        serde_json::json!({
                        "clientId": "client-1", "clientSecret": "secret-1",
                        "clientIdIssuedAt": 0, "clientSecretExpiresAt": later}),
                    ),
                    "/device_authorization" => json(
                        200,
                        None,
                        serde_json::json!({
                        "deviceCode": "device-1", "userCode": "ABCD-EFGH",
                        "verificationUri": "https://device.sso.us-east-1.amazonaws.com/",
                        "verificationUriComplete": "https://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH",
                        "expiresIn": 600, "interval": 1}),
                    ),
                    "/token" if polls == 1 => json(
                        400,
                        Some("AuthorizationPendingException"),
                        serde_json::json!({"error": "authorization_pending"}),
                    ),
                    "/token" => json(
                        200,
                        None,
                        serde_json::json!({
                        "accessToken": token, "tokenType": "Bearer", "expiresIn": 3600,
                        "refreshToken": "refresh-1"}),
                    ),
                    _ => json(
                        404,
                        Some("ResourceNotFoundException"),
                        serde_json::json!({}),
                    ),
                }
            }
    })
    .await;
    (url, calls, task)
}

#[tokio::test]
async fn login_signs_in_with_the_device_flow_and_the_chain_uses_the_token() {
    let sts = sts().await;
    let (portal_url, asked, _portal) = portal("token-2", sts.credentials_for(ALICE).unwrap()).await;
    let (oidc_url, calls, _oidc) = oidc("token-2").await;
    let dir = Scratch::new("sso-login");
    let config = sso_config(&dir);
    let login = |extra: &[&str]| {
        let mut args = vec!["login", "--sso-session", "corp", "--no-browser"];
        args.extend_from_slice(extra);
        let mut c = command(&sts, &args);
        c.env("HOME", &dir.0)
            .env("AWS_CONFIG_FILE", &config)
            .env("AWS_ENDPOINT_URL_SSO_OIDC", &oidc_url)
            .env("AWS_ENDPOINT_URL_SSO", &portal_url);
        c.output()
    };
    let out = login(&["--use-device-code"]).await.unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("confirm the code ABCD-EFGH"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        *calls.lock().unwrap(),
        [
            "/client/register",
            "/device_authorization",
            "/token",
            "/token"
        ]
    );
    // The file the AWS CLI and the SDKs read, for the user alone.
    let file = dir.0.join(".aws/sso/cache").join(CORP_TOKEN_FILE);
    let cached: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(cached["accessToken"], "token-2");
    assert_eq!(cached["refreshToken"], "refresh-1");
    assert_eq!(cached["startUrl"], "https://corp.awsapps.com/start");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // The chain reads it.
    let out = assume_target(&sts, &dir, &config, &portal_url).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(asked.lock().unwrap().len(), 1);
    // And --logout signs it out of the portal and removes it.
    let out = login(&["--logout"]).await.unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!file.exists());
    let asked = asked.lock().unwrap().clone();
    assert_eq!(asked.len(), 2, "{asked:?}");
    assert_eq!(asked[1], "/logout?");
    let out = login(&["--logout"]).await.unwrap();
    assert!(
        stderr(&out).contains("no sign-in to https://corp.awsapps.com/start was cached"),
        "{}",
        stderr(&out)
    );
}

/// SSO OIDC for the authorization-code flow: RegisterClient and CreateToken,
/// each call's path and JSON body kept.
async fn oidc_code_grant(
    token: &'static str,
) -> (
    String,
    Arc<Mutex<Vec<(String, serde_json::Value)>>>,
    tokio::task::JoinHandle<()>,
) {
    use http_body_util::BodyExt;
    let calls: Arc<Mutex<Vec<(String, serde_json::Value)>>> = Arc::default();
    let log = calls.clone();
    let (url, task) = stand_in(move |req: hyper::Request<hyper::body::Incoming>| {
        let log = log.clone();
        async move {
            let path = req.uri().path().to_owned();
            let body = req.into_body().collect().await.unwrap().to_bytes();
            let body: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            log.lock().unwrap().push((path.clone(), body));
            let answer = match path.as_str() {
                "/client/register" => serde_json::json!({
                    "clientId": "client-1", "clientSecret": "secret-1",
                    "clientIdIssuedAt": 0, "clientSecretExpiresAt": 4_000_000_000u64}),
                _ => serde_json::json!({
                    "accessToken": token, "tokenType": "Bearer", "expiresIn": 3600,
                    "refreshToken": "refresh-2"}),
            };
            hyper::Response::builder()
                .header("content-type", "application/json")
                .body(Full::new(Bytes::from(answer.to_string())))
                .unwrap()
        }
    })
    .await;
    (url, calls, task)
}

/// The authorization-code flow with PKCE, the browser played by the test: the
/// printed URL carries the redirect to 127.0.0.1, the state and the challenge;
/// a redirect with another state is refused; the right one ends the sign-in,
/// and CreateToken gets the verifier whose SHA-256 the challenge is.
#[tokio::test]
async fn login_signs_in_with_the_authorization_code_flow_and_pkce() {
    use base64::Engine;
    use sha2::Digest;
    use tokio::io::AsyncBufReadExt;
    let sts = sts().await;
    let (oidc_url, calls, _oidc) = oidc_code_grant("token-3").await;
    let dir = Scratch::new("sso-login-pkce");
    let config = sso_config(&dir);
    let mut child = command(&sts, &["login", "--sso-session", "corp", "--no-browser"])
        .env("HOME", &dir.0)
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_ENDPOINT_URL_SSO_OIDC", &oidc_url)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let url = loop {
        let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
            .await
            .unwrap()
            .unwrap()
            .expect("the URL to open");
        if let Some(url) = line.trim().strip_prefix(&format!("{oidc_url}/authorize?")) {
            break url.to_owned();
        }
    };
    let query: std::collections::HashMap<String, String> = form_urlencoded::parse(url.as_bytes())
        .into_owned()
        .collect();
    assert_eq!(query["response_type"], "code");
    assert_eq!(query["client_id"], "client-1");
    assert_eq!(query["code_challenge_method"], "S256");
    assert_eq!(query["scopes"], "sso:account:access");
    let redirect = &query["redirect_uri"];
    assert!(
        redirect.starts_with("http://127.0.0.1:") && redirect.ends_with("/oauth/callback"),
        "{redirect}"
    );
    let browser = |state: &str| {
        let target = format!("{redirect}?code=code-1&state={state}");
        async move {
            let client: hyper_util::client::legacy::Client<_, Full<Bytes>> =
                hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                    .build_http();
            let answer = client
                .request(
                    hyper::Request::get(target)
                        .body(Full::new(Bytes::new()))
                        .unwrap(),
                )
                .await
                .unwrap();
            answer.status().as_u16()
        }
    };
    assert_eq!(
        browser("someone-else").await,
        400,
        "another state is not this sign-in"
    );
    assert_eq!(browser(&query["state"]).await, 200);
    let status = tokio::time::timeout(Duration::from_secs(60), child.wait())
        .await
        .unwrap()
        .unwrap();
    let mut rest = Vec::new();
    while let Ok(Some(line)) = lines.next_line().await {
        rest.push(line);
    }
    assert!(status.success(), "{rest:?}");
    let calls = calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 2, "{calls:?}");
    let (path, register) = &calls[0];
    assert_eq!(path, "/client/register");
    assert_eq!(
        register["grantTypes"],
        serde_json::json!(["authorization_code", "refresh_token"])
    );
    assert_eq!(
        register["redirectUris"],
        serde_json::json!(["http://127.0.0.1/oauth/callback"])
    );
    assert_eq!(register["issuerUrl"], "https://corp.awsapps.com/start");
    let (path, create) = &calls[1];
    assert_eq!(path, "/token");
    assert_eq!(create["grantType"], "authorization_code");
    assert_eq!(create["code"], "code-1");
    assert_eq!(create["redirectUri"], redirect.as_str());
    let verifier = create["codeVerifier"].as_str().unwrap();
    assert_eq!(
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(sha2::Sha256::digest(verifier.as_bytes())),
        query["code_challenge"],
        "the challenge is the verifier's SHA-256"
    );
    let cached: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.0.join(".aws/sso/cache").join(CORP_TOKEN_FILE)).unwrap(),
    )
    .unwrap();
    assert_eq!(cached["accessToken"], "token-3");
    assert_eq!(cached["refreshToken"], "refresh-2");
    assert_eq!(cached["clientId"], "client-1");
}
