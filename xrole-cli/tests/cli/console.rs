//! `xrole console`: the switch-role link, and federated sign-in through the
//! embedded STS's federation endpoint.

use super::*;

#[tokio::test]
async fn console_prints_the_switch_role_link() {
    let sts = sts().await;
    let out = xrole(
        &sts,
        &["console", "--role-arn", ROLE, "--display-name", "deploy"],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "https://signin.aws.amazon.com/switchrole?roleName=Deploy&account=222222222222&displayName=deploy\n"
    );
}

#[tokio::test]
async fn console_links_a_profiles_role_with_a_color() {
    let sts = sts().await;
    let dir = std::env::temp_dir().join(format!("xrole-console-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config");
    std::fs::write(
        &config,
        format!("[profile deploy]\nrole_arn = {ROLE}\nsource_profile = base\n[profile base]\nregion = us-east-1\n"),
    )
    .unwrap();
    let out = command(
        &sts,
        &["console", "--profile", "deploy", "--color", "green"],
    )
    .env("AWS_CONFIG_FILE", &config)
    .output()
    .await
    .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "https://signin.aws.amazon.com/switchrole?roleName=Deploy&account=222222222222&color=B7CA9D\n"
    );
}

/// `xrole console --federated` for ROLE through `endpoint`, with `more` flags.
async fn federated(sts: &EmbeddedSts, endpoint: &str, more: &[&str]) -> Output {
    let flags = [
        "console",
        "--role-arn",
        ROLE,
        "--federated",
        "--federation-endpoint",
        endpoint,
    ];
    xrole(sts, &[&flags[..], more].concat()).await
}

#[tokio::test]
async fn console_federated_prints_a_sign_in_url_that_opens_the_console() {
    let sts = sts().await;
    let federation = format!("{}/federation", sts.url());
    let out = federated(&sts, &federation, &["--console-duration", "2h"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let url = stdout(&out).trim().to_owned();
    let home = "https://us-east-1.console.aws.amazon.com/console/home?region=us-east-1";
    let query = url
        .strip_prefix(&format!("{federation}?"))
        .unwrap_or_else(|| panic!("{url}"));
    let expected_start = format!(
        "Action=login&Destination={}&SigninToken=",
        form_urlencoded::byte_serialize(home.as_bytes()).collect::<String>()
    );
    assert!(query.starts_with(&expected_start), "{url}");
    let page = xrole_test::http::get(&url).await.unwrap();
    assert_eq!((page.status, page.location), (302, Some(home.to_owned())));

    let traded = sts.last_audit("getSigninToken").unwrap();
    assert!(traded.succeeded(), "{traded:?}");
    assert_eq!(traded.parameter("SessionDuration"), Some("7200"));
    assert!(
        traded
            .caller
            .as_deref()
            .unwrap()
            .contains(":assumed-role/Deploy/")
    );

    // A chosen destination and issuer reach the URL.
    let out = federated(
        &sts,
        &federation,
        &[
            "--destination",
            "https://console.aws.amazon.com/s3/home",
            "--issuer",
            "https://intranet.example/aws",
        ],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let url = stdout(&out);
    assert!(url.contains("&Issuer=https%3A%2F%2Fintranet.example%2Faws&Destination=https%3A%2F%2Fconsole.aws.amazon.com%2Fs3%2Fhome&"), "{url}");
}

#[tokio::test]
async fn console_federated_refusals_name_the_endpoint_and_no_secret() {
    let sts = sts().await;
    // Not a federation endpoint: the server answers as STS, with an error.
    let wrong = format!("{}/elsewhere", sts.url());
    let out = federated(&sts, &wrong, &[]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = stderr(&out);
    assert!(
        err.starts_with(&format!(
            "xrole: federation endpoint {wrong}: getSigninToken refused the session ("
        )),
        "{err}"
    );
    let keys = sts.credentials_for(ALICE).unwrap();
    for secret in ["sessionKey", "sessionToken", keys.secret_access_key()] {
        assert!(!err.contains(secret), "{err}");
    }

    // Nothing listens.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}/federation", closed.local_addr().unwrap());
    drop(closed);
    let out = federated(&sts, &dead, &[]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no answer"), "{}", stderr(&out));

    // Bad flags: clap's message, exit code 2.
    for args in [
        &[
            "console",
            "--role-arn",
            ROLE,
            "--federated",
            "--display-name",
            "x",
        ][..],
        &["console", "--role-arn", ROLE, "--console-duration", "1h"][..],
        &[
            "console",
            "--role-arn",
            ROLE,
            "--federated",
            "--console-duration",
            "60",
        ][..],
        &[
            "console",
            "--role-arn",
            ROLE,
            "--federated",
            "--federation-endpoint",
            "ftp://x",
        ][..],
    ] {
        let out = xrole(&sts, args).await;
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}
