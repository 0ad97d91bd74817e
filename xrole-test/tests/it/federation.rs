//! The embedded STS's federation endpoint: sign-in tokens for the role and
//! federated-user sessions it issued, and nothing else; sign-ins with its tokens for
//! 15 minutes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may fail loudly

use std::time::{Duration, SystemTime};

use aws_sdk_sts::Client;
use xrole_core::{FederationEndpoint, SessionDuration, SigninSession, SigninToken};
use xrole_test::sts::*;

const ALICE: &str = "arn:aws:iam::111111111111:user/alice";
const ROLE: &str = "arn:aws:iam::222222222222:role/Console";
const HOME: &str = "https://console.aws.amazon.com/";

async fn sts(clock: Clock) -> EmbeddedSts {
    let mut w = World::new();
    w.add_user(User::new(ALICE.parse().unwrap()).unwrap().policy(
        "assume",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole","sts:GetFederationToken"],"Resource":"*"}]}"#
            .parse()
            .unwrap(),
    ))
    .unwrap()
    .add_role(Role::new(
        ROLE.parse().unwrap(),
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole"}]}"#
            .parse()
            .unwrap(),
    ))
    .unwrap();
    EmbeddedSts::builder(w).clock(clock).start().await.unwrap()
}

fn endpoint(sts: &EmbeddedSts) -> FederationEndpoint {
    FederationEndpoint::parse(&format!("{}{}", sts.url(), FederationEndpoint::PATH)).unwrap()
}

/// GETs `url` from the server: (status, Location header, body).
async fn get(url: &str) -> (u16, Option<String>, String) {
    let page = xrole_test::http::get(url).await.unwrap();
    (page.status, page.location, page.body)
}

async fn role_session(sts: &EmbeddedSts) -> SigninSession {
    let config = sts.sdk_config_for(ALICE).await.unwrap();
    let out = Client::new(&config)
        .assume_role()
        .role_arn(ROLE)
        .role_session_name("console")
        .send()
        .await
        .unwrap();
    let c = out.credentials().unwrap();
    SigninSession::new(c.access_key_id(), c.secret_access_key(), c.session_token())
}

#[tokio::test]
async fn a_role_session_signs_in_once_its_token_is_traded() {
    let clock = Clock::manual(SystemTime::now());
    let sts = sts(clock.clone()).await;
    let session = role_session(&sts).await;
    let url =
        endpoint(&sts).signin_token_url(&session, Some(SessionDuration::from_secs(3600).unwrap()));
    let (status, _, body) = get(&url).await;
    assert_eq!(status, 200, "{body}");
    let token = SigninToken::from_answer(body.as_bytes()).unwrap();

    let login = endpoint(&sts).login_url(&token, HOME, Some("https://example.org/"));
    let (status, location, _) = get(&login).await;
    assert_eq!((status, location.as_deref()), (302, Some(HOME)));

    let entry = sts.last_audit("getSigninToken").unwrap();
    assert!(entry.succeeded());
    assert_eq!(
        entry.caller.as_deref(),
        Some("arn:aws:sts::222222222222:assumed-role/Console/console")
    );
    assert_eq!(entry.parameter("SessionDuration"), Some("3600"));
    let logged = format!("{:?}", sts.audit());
    assert!(!logged.contains(session.secret_access_key()));
    assert!(!logged.contains(session.session_token()));
    assert!(!logged.contains(token.expose()));

    // A token signs in once: the same URL followed again is refused.
    let (status, location, body) = get(&login).await;
    assert_eq!((status, location), (403, None));
    assert!(body.contains("already used"), "{body}");

    // A token serves for 15 minutes.
    let (_, _, body) = get(&url).await;
    let token = SigninToken::from_answer(body.as_bytes()).unwrap();
    let login = endpoint(&sts).login_url(&token, HOME, None);
    clock.advance(SigninToken::LIFETIME + Duration::from_secs(1));
    let (status, location, body) = get(&login).await;
    assert_eq!((status, location), (403, None));
    assert!(body.contains("older than 15 minutes"), "{body}");
}

/// `login` sends the user only to a console page, as the real endpoint does: never
/// to another host, nor over plain http.
#[tokio::test]
async fn login_redirects_only_to_the_console() {
    let sts = sts(Clock::manual(SystemTime::now())).await;
    let session = role_session(&sts).await;
    let url = endpoint(&sts).signin_token_url(&session, None);
    for destination in [
        "https://evil.example.com/",
        "http://console.aws.amazon.com/",
        "https://console.aws.amazon.com.evil.example/",
        "https://evil.example/console.aws.amazon.com/",
        "https://console.aws.amazon.com:8443/",
    ] {
        let (_, _, body) = get(&url).await;
        let token = SigninToken::from_answer(body.as_bytes()).unwrap();
        let (status, location, body) =
            get(&endpoint(&sts).login_url(&token, destination, None)).await;
        assert_eq!((status, location), (400, None), "{destination}");
        assert!(
            body.contains("Destination must be an https page of the AWS console"),
            "{body}"
        );
    }
    let (_, _, body) = get(&url).await;
    let token = SigninToken::from_answer(body.as_bytes()).unwrap();
    let region = "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1";
    let (status, location, _) = get(&endpoint(&sts).login_url(&token, region, None)).await;
    assert_eq!((status, location.as_deref()), (302, Some(region)));
}

/// The custom identity broker of the IAM user guide: a user's keys federate a
/// user (GetFederationToken), whose session signs in to the console.
#[tokio::test]
async fn a_federated_users_session_signs_in() {
    let sts = sts(Clock::system()).await;
    let config = sts.sdk_config_for(ALICE).await.unwrap();
    let out = Client::new(&config)
        .get_federation_token()
        .name("Bob")
        .policy(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}"#)
        .send()
        .await
        .unwrap();
    let c = out.credentials().unwrap();
    let session = SigninSession::new(c.access_key_id(), c.secret_access_key(), c.session_token());
    let (status, _, body) = get(&endpoint(&sts).signin_token_url(&session, None)).await;
    assert_eq!(status, 200, "{body}");
    SigninToken::from_answer(body.as_bytes()).unwrap();
    assert_eq!(
        sts.last_audit("getSigninToken").unwrap().caller.as_deref(),
        Some("arn:aws:sts::111111111111:federated-user/Bob")
    );
}

#[tokio::test]
async fn only_live_role_sessions_this_server_issued_get_a_token() {
    let clock = Clock::manual(SystemTime::now());
    let sts = sts(clock.clone()).await;
    let federation = endpoint(&sts);
    let keys = sts.credentials_for(ALICE).unwrap();

    // Long-term keys (no token), and a forged session.
    for session in [
        SigninSession::new(keys.access_key_id(), keys.secret_access_key(), ""),
        SigninSession::new("ASIAFORGED0000000000", "secret", "token"),
    ] {
        let (status, _, body) = get(&federation.signin_token_url(&session, None)).await;
        assert_eq!(status, 403, "{body}");
        assert!(
            body.contains("not temporary credentials this server issued"),
            "{body}"
        );
    }

    // A GetSessionToken session is no role session.
    let config = sts.sdk_config_for(ALICE).await.unwrap();
    let out = Client::new(&config)
        .get_session_token()
        .send()
        .await
        .unwrap();
    let c = out.credentials().unwrap();
    let mfa = SigninSession::new(c.access_key_id(), c.secret_access_key(), c.session_token());
    let (status, _, body) = get(&federation.signin_token_url(&mfa, None)).await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body.contains("GetSessionToken credentials cannot sign in"),
        "{body}"
    );

    // A role session whose secret does not match, then one that expired.
    let session = role_session(&sts).await;
    let wrong = SigninSession::new(session.access_key_id(), "wrong", session.session_token());
    let (status, _, _) = get(&federation.signin_token_url(&wrong, None)).await;
    assert_eq!(status, 403);
    clock.advance(Duration::from_secs(3601));
    let (status, _, body) = get(&federation.signin_token_url(&session, None)).await;
    assert_eq!(status, 400, "{body}");

    // Bad requests, and unknown tokens.
    for (path, expected) in [
        ("/federation", 400),
        (
            "/federation?Action=getSigninToken&SessionDuration=60&Session=x",
            400,
        ),
        (
            "/federation?Action=login&SigninToken=unknown&Destination=https%3A%2F%2Fconsole.aws.amazon.com%2F",
            403,
        ),
    ] {
        let (status, _, body) = get(&format!("{}{path}", sts.url())).await;
        assert_eq!(status, expected, "{path}: {body}");
    }
    let refused = sts.audit().iter().filter(|e| !e.succeeded()).count();
    assert_eq!(refused, 8);
}
