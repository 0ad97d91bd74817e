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
/// `keys` for the access token `token`; the queries it was asked.
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
            log.lock()
                .unwrap()
                .push(req.uri().query().unwrap_or_default().to_owned());
            if bearer != token {
                return hyper::Response::builder()
                    .status(401)
                    .header("x-amzn-errortype", "UnauthorizedException")
                    .body(Full::new(Bytes::from_static(
                        b"{\"message\":\"bad token\"}",
                    )))
                    .unwrap();
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
const CORP_TOKEN_FILE: &str = "ee0bfd2552fbd840c02cc48b6e823320543c450f.json";

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
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
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
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
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
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json["AssumedRoleUser"]["Arn"],
        "arn:aws:sts::222222222222:assumed-role/Deploy/broker"
    );
    assert_eq!(
        sts.last_audit("AssumeRole").unwrap().caller.as_deref(),
        Some(ALICE)
    );
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
            .env("AWS_ENDPOINT_URL_SSO_OIDC", &oidc_url);
        c.output()
    };
    let out = login(&[]).await.unwrap();
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
    // And --logout removes it.
    let out = login(&["--logout"]).await.unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!file.exists());
}
